package pii

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/agentgov/agentgov/internal/detect"
	"github.com/agentgov/agentgov/internal/detect/detecttest"
)

func TestPositives(t *testing.T) {
	d := Default()
	cases := []struct {
		text string
		want []string
	}{
		{"card 4111 1111 1111 1111 exp 09/27", []string{"CREDIT_CARD:4111 1111 1111 1111"}},
		{"amex 3782-822463-10005", []string{"CREDIT_CARD:3782-822463-10005"}},
		{`{"pan":"5555555555554444"}`, []string{"CREDIT_CARD:5555555555554444"}},
		{"IBAN DE89 3704 0044 0532 0130 00.", []string{"IBAN_CODE:DE89 3704 0044 0532 0130 00"}},
		{"iban: GB29NWBK60161331926819", []string{"IBAN_CODE:GB29NWBK60161331926819"}},
		{"SSN: 536-90-6214", []string{"US_SSN:536-90-6214"}},
		{"social security number 536906214", []string{"US_SSN:536906214"}},
		{"ITIN 912-70-1234", []string{"US_ITIN:912-70-1234"}},
		{"NHS number 943 476 5919", []string{"UK_NHS:943 476 5919"}},
		{"NI no. AB 12 34 56 C", []string{"UK_NINO:AB 12 34 56 C"}},
		{"send to 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2 today", []string{"CRYPTO:1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"}},
		{"bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", []string{"CRYPTO:bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"}},
		{"eth 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", []string{"CRYPTO:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"}},
		{"mac 00:1b:63:84:45:e6 and 0050.56c0.0008", []string{"MAC_ADDRESS:00:1b:63:84:45:e6", "MAC_ADDRESS:0050.56c0.0008"}},
		{"from 203.0.113.7:443 and [2001:db8::1]:80", []string{"IP_ADDRESS:203.0.113.7", "IP_ADDRESS:2001:db8::1"}},
		{"Call +44 20 7946 0958 or (212) 555-0147.", []string{"PHONE_NUMBER:+44 20 7946 0958", "PHONE_NUMBER:(212) 555-0147"}},
		{"Tel. 06 12 34 56 78", []string{"PHONE_NUMBER:06 12 34 56 78"}},
		{"mail Jane.Doe+x@sub.example.co.uk.", []string{"EMAIL_ADDRESS:Jane.Doe+x@sub.example.co.uk"}},
		{"Date of birth: 14/02/1958", []string{"DATE_OF_BIRTH:14/02/1958"}},
		{"née le 3 mars 1961 à Lyon", []string{"DATE_OF_BIRTH:3 mars 1961"}},
		{"Passport no. C03004786", []string{"US_PASSPORT:C03004786"}},
		{"driver's license D1234567", []string{"US_DRIVER_LICENSE:D1234567"}},
		{"My name is Oluwaseun Adeyemi.", []string{"PERSON:Oluwaseun Adeyemi"}},
		{"Dear Ms. Nakamura,", []string{"PERSON:Nakamura"}},
		{"Best regards,\nIngrid Larsen", []string{"PERSON:Ingrid Larsen"}},
		{"ship to 221B Baker Street, London", []string{"STREET_ADDRESS:221B Baker Street"}},
		{"Adresse: 12 rue de la Paix, Paris", []string{"STREET_ADDRESS:12 rue de la Paix"}},
		{"Anschrift: Hauptstraße 5, Berlin", []string{"STREET_ADDRESS:Hauptstraße 5"}},
	}
	for _, c := range cases {
		detecttest.CheckFound(t, d.Find, c.text, c.want...)
	}
}

// TestLookAlikes lists things that must not fire.
func TestLookAlikes(t *testing.T) {
	detecttest.CheckNoneFound(t, Default().Find,
		"Order #4111111111111111 shipped",               // Luhn-valid, but an order number
		"invoice 4532-8817-0021-6650 is overdue",        // Luhn-valid, labelled an invoice
		"card 4111 1111 1111 1112",                      // fails Luhn
		"1234 5678 9012 3456",                           // fails Luhn
		"version 1.2.3.4 released; see section 4.2.1.3", // versions and headings
		"v10.0.0.1 and build 10.0.19045.4291",           // glued or out of range
		"uuid 550e8400-e29b-41d4-a716-446655440000",     // UUID
		"sha1 aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d", // hashes
		"sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		"at 2024-05-13T08:41:22.512Z and 1715589683",    // timestamps
		"ticket 4155550123 and id 2125550199",           // phone-like ids
		"zip 90210, postcode SW1A 2AA, PLZ 10117",       // zip codes
		"SSN 078-05-1120 and 123-45-6789 are published", // invalid SSNs
		"bind 0.0.0.0, loopback 127.0.0.1 and ::1, mask 255.255.255.0",
		"mac 00:00:00:00:00:00 and ff:ff:ff:ff:ff:ff", // unset and broadcast
		"Meeting at 10:30:00 on 12.03.2024, room 4.12",
		"price $4111111111111111",
		"Grace period ends in May; Will you come?",
		"The Billing Team",
		"git@github.com:acme/infra.git and logo@2x.png",
		"postgres://user:s3cret@db.example.com:5432/app",
		"QQ 12 34 56 C is a placeholder NINO",
	)
}

func TestOptions(t *testing.T) {
	if _, err := New(Options{Types: []string{"NOPE"}}); err == nil {
		t.Error("unknown type accepted")
	}
	if _, err := New(Options{Regions: []string{"XX"}}); err == nil {
		t.Error("unknown region accepted")
	}
	if _, err := New(Options{MinScore: 2}); err == nil {
		t.Error("min score 2 accepted")
	}
	d, err := New(Options{Types: []string{EmailAddress}})
	if err != nil {
		t.Fatal(err)
	}
	got := detecttest.Found(t, d.Find, "a@b.co 4111 1111 1111 1111")
	if fmt.Sprint(got) != "[EMAIL_ADDRESS:a@b.co]" {
		t.Errorf("types: %q", got)
	}
	small, _ := New(Options{MaxInputBytes: 10})
	if _, err := small.Find(strings.Repeat("x", 11)); !errors.Is(err, ErrInputTooLarge) {
		t.Errorf("over the bound: %v", err)
	}
	res, err := Default().Detect(context.Background(), detect.Input{Text: "SSN 536-90-6214"})
	if err != nil || len(res.Findings) != 1 || res.Flagged || res.Score != res.Findings[0].Score {
		t.Errorf("Detect: %+v %v", res, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Default().Detect(ctx, detect.Input{Text: "x"}); err == nil {
		t.Error("cancelled context ignored")
	}
	if len(Types()) != int(numEntities) {
		t.Error("Types() incomplete")
	}
}

// TestTagsAreSkipped: redaction tags are neither found nor context.
func TestTagsAreSkipped(t *testing.T) {
	detecttest.CheckNoneFound(t, Default().Find,
		"<PHONE_NUMBER:12345678> <US_DRIVER_LICENSE:12345678>",
		"<DATE_OF_BIRTH> 1990-01-02",
		"<US_PASSPORT> 123456789",
		"<PERSON> <PERSON:0a1b2c3d>",
	)
}

func TestConcurrentUse(t *testing.T) {
	detecttest.CheckConcurrentUse(t, Default().Find, corpus().Texts(t, "dev", "test"))
}
