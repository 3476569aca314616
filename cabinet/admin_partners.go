package cabinet

// partnerRoutes lists the back-office routes of partners, applications,
// lead registrations and customers.
func (s *Server) partnerRoutes() []adminRoute { return nil }
