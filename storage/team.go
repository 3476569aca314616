package storage

// TeamQueries are the queries of partner teams and invitations (queries/team.sql).
type TeamQueries struct{}
