package cabinet

// materialRoutes lists the back-office routes of promotional materials the vendor uploads (issue 6.7).
func (s *Server) materialRoutes() []adminRoute { return nil }
