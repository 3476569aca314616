package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	"partnerka"
	"partnerka/web"
)

func runUser(ctx context.Context, m *Main, args []string) error {
	if len(args) == 0 || args[0] != "add" {
		return usagef("user: usage: partnerka user add --email E --role admin|manager|finance|owner|member [--name N] [--partner-ref P] [--locale en|ru]; the password is read from PARTNERKA_USER_PASSWORD or the first line of standard input")
	}
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	email := fs.String("email", "", "login email")
	role := fs.String("role", "", "admin, manager, finance (staff) or owner, member (of a partner)")
	name := fs.String("name", "", "display name")
	partnerRef := fs.String("partner-ref", "", "the partner an owner or member belongs to")
	locale := fs.String("locale", "en", "en or ru")
	if err := fs.Parse(args[1:]); err != nil {
		return usagef("user add: %v", err)
	}
	if !strings.Contains(*email, "@") {
		return usagef("user add: --email must be an email address")
	}
	switch {
	case partnerka.StaffRole(*role):
		if *partnerRef != "" {
			return usagef("user add: staff roles take no --partner-ref")
		}
	case *role == partnerka.RoleOwner || *role == partnerka.RoleMember:
		if *partnerRef == "" {
			return usagef("user add: role %s needs --partner-ref", *role)
		}
	default:
		return usagef("user add: --role must be admin, manager, finance, owner or member")
	}
	if *locale != "en" && *locale != "ru" {
		return usagef("user add: --locale must be en or ru")
	}
	password := os.Getenv("PARTNERKA_USER_PASSWORD")
	if password == "" {
		line, _ := bufio.NewReader(os.Stdin).ReadString('\n')
		password = strings.TrimRight(line, "\r\n")
	}
	hash, err := web.HashPassword(password)
	if err != nil {
		return usagef("user add: %s", partnerka.ErrorMessage(err))
	}
	db, err := m.openDB(ctx, true)
	if err != nil {
		return err
	}
	u := &partnerka.User{Email: *email, Name: *name, Role: *role, Locale: *locale, PasswordHash: hash}
	if *partnerRef != "" {
		p, err := db.PartnerByRef(ctx, *partnerRef)
		if err != nil {
			return fmt.Errorf("user add: partner %q: %s", *partnerRef, partnerka.ErrorMessage(err))
		}
		u.PartnerID = &p.ID
	}
	if err := db.CreateUser(ctx, u); err != nil {
		if partnerka.ErrorCode(err) == partnerka.EINTERNAL {
			return err
		}
		return fmt.Errorf("user add: %s", partnerka.ErrorMessage(err))
	}
	fmt.Fprintf(m.Stdout, "user %d created: %s (%s)\n", u.ID, u.Email, u.Role)
	return nil
}
