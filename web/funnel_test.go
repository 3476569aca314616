package web

import (
	"testing"

	"partnerka/storage"
)

func TestFunnelView(t *testing.T) {
	f := storage.Funnel{Visitors: 3, Leads: 2, Paying: 1, NoClick: storage.NoClick{PromoCode: 5, PartnerRef: 2}}
	v := Funnel(f, "ru")
	if v.ClickLead != "66,7\u00a0%" || v.LeadPaying != "50,0\u00a0%" || v.ClickLeadOf != "2 из 3" || v.LeadPayingOf != "1 из 2" {
		t.Errorf("ratios %+v", v)
	}
	if want := "Клиенты без перехода: +7 (промокод 5, партнёрская ссылка 2)"; v.NoClick != want {
		t.Errorf("without a click %q, want %q", v.NoClick, want)
	}
	if v := Funnel(storage.Funnel{}, "en"); v.ClickLead != "—" || v.LeadPaying != "—" || v.NoClick != "" || v.NoClickTotal != "" {
		t.Errorf("empty funnel %+v", v)
	}
	if v := Funnel(storage.Funnel{Visitors: 1200, NoClick: storage.NoClick{Registration: 1, Manual: 1}}, "en"); v.Visitors != "1,200" ||
		v.NoClick != "Customers without a click: +2 (registration 1, manager 1)" {
		t.Errorf("English funnel %+v", v)
	}
}
