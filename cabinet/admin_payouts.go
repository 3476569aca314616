package cabinet

// payoutRoutes lists the back-office routes of payouts.
func (s *Server) payoutRoutes() []adminRoute { return nil }
