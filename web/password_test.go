package web

import "testing"

func TestPassword(t *testing.T) {
	h, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := HashPassword("correct horse battery")
	if h == h2 {
		t.Error("two hashes of one password are equal: salt is not random")
	}
	for _, tc := range []struct {
		name, hash, password string
		want                 bool
	}{
		{"right password", h, "correct horse battery", true},
		{"wrong password", h, "correct horse batterY", false},
		{"empty password", h, "", false},
		{"not a hash", "plain", "plain", false},
		{"other algorithm", "$argon2i$v=19$m=16,t=1,p=1$c2FsdA$aGFzaA", "x", false},
		{"truncated key", h[:len(h)-10], "correct horse battery", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := CheckPassword(tc.hash, tc.password); got != tc.want {
				t.Errorf("CheckPassword = %v, want %v", got, tc.want)
			}
		})
	}
	if _, err := HashPassword("short"); err == nil {
		t.Error("short password accepted")
	}
}
