package cabinet

// planRoutes lists the back-office routes of the plans editor (issue 7.3).
func (s *Server) planRoutes() []adminRoute { return nil }
