package storage

// SettingsQueries are the queries of program settings and API keys in the back office (queries/settings_admin.sql).
type SettingsQueries struct{}
