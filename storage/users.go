package storage

import (
	"context"

	"partnerka"
)

// CreateUser inserts a user. It returns conflict if the email is taken.
func (db *DB) CreateUser(ctx context.Context, u *partnerka.User) error {
	if u.Locale == "" {
		u.Locale = "en"
	}
	u.Email = partnerka.NormalizeEmail(u.Email)
	err := db.Q.InsertUser.QueryRowxContext(ctx, u.Email, u.Name, u.PasswordHash, u.Role, u.PartnerID, u.Locale, db.now()).
		Scan(&u.ID, &u.CreatedAt)
	if IsUniqueViolation(err, "users_email_key") {
		return partnerka.Errorf(partnerka.ECONFLICT, "a user with email %s already exists", u.Email)
	}
	return err
}

// ActiveUserByEmail returns the user of email, or nil when there is none
// or they are disabled.
func (db *DB) ActiveUserByEmail(ctx context.Context, email string) (*partnerka.User, error) {
	u, err := db.UserByEmail(ctx, email)
	switch {
	case partnerka.ErrorCode(err) == partnerka.ENOTFOUND:
		return nil, nil
	case err != nil:
		return nil, err
	case u.DisabledAt != nil:
		return nil, nil
	}
	return u, nil
}

// UserByEmail returns the user with that email, or not_found.
func (db *DB) UserByEmail(ctx context.Context, email string) (*partnerka.User, error) {
	var u partnerka.User
	if err := db.Q.UserByEmail.GetContext(ctx, &u, email); err != nil {
		return nil, notFound(err, "user")
	}
	return &u, nil
}
