package storage

// PlanQueries are the queries of the plans editor (queries/plans_admin.sql).
type PlanQueries struct{}
