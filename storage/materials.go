package storage

// MaterialQueries are the queries of promotional materials (queries/materials.sql).
type MaterialQueries struct{}
