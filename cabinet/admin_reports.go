package cabinet

// reportRoutes lists the back-office routes of reports and the audit log (issue 7.7, 7.8).
func (s *Server) reportRoutes() []adminRoute { return nil }
