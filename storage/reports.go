package storage

// ReportQueries are the queries of reports and the audit log (queries/reports.sql).
type ReportQueries struct{}
