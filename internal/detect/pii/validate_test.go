package pii

import (
	"encoding/hex"
	"testing"
)

func TestKeccak256(t *testing.T) {
	for in, want := range map[string]string{
		"":    "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470",
		"abc": "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45",
	} {
		got := keccak256([]byte(in))
		if hex.EncodeToString(got[:]) != want {
			t.Errorf("keccak256(%q) = %x, want %s", in, got, want)
		}
	}
	// A message longer than one 136-byte block.
	long := make([]byte, 200)
	for i := range long {
		long[i] = 'a'
	}
	got := keccak256(long)
	if hex.EncodeToString(got[:]) == "" {
		t.Fatal("unreachable")
	}
}

func TestValidators(t *testing.T) {
	cases := []struct {
		name string
		fn   func(string) bool
		ok   []string
		bad  []string
	}{
		{"luhn", luhn,
			[]string{"4111111111111111", "5555555555554444", "378282246310005", "6011111111111117", "79927398713"},
			[]string{"4111111111111112", "1234567890123456", "", "1", "41111111a1111111"}},
		{"cardIIN", cardIIN,
			[]string{"4111111111111111", "5555555555554444", "378282246310005", "6011111111111117", "3530111333300000", "2221000000000009", "30569309025904", "6200000000000005"},
			[]string{"1234567812345670", "9111111111111111", "411111111111", "37828224631000"}},
		{"iban", ibanValid,
			[]string{"GB29NWBK60161331926819", "DE89370400440532013000", "FR1420041010050500013M02606", "NL91ABNA0417164300", "BE68539007547034", "NO9386011117947", "CH9300762011623852957", "IT60X0542811101000000123456", "ES9121000418450200051332", "PL61109010140000071219812874"},
			[]string{"GB29NWBK60161331926818", "DE8937040044053201300", "XX89370400440532013000", "GB00NWBK60161331926819", "gb29nwbk60161331926819", "GB29NWBK6016133192681!"}},
		{"ssn", ssnValid,
			[]string{"536906214", "001010001", "899999999", "772334567"},
			[]string{"000123456", "666123456", "912345678", "123004567", "123450000", "078051120", "219099999", "123456789", "111111111", "12345678", "12345678a"}},
		{"itin", itinValid,
			[]string{"912501234", "900701234", "999991234", "991921234", "950881234"},
			[]string{"912491234", "912661234", "912891234", "912931234", "812501234"}},
		{"nhs", nhsValid,
			[]string{"9434765919", "4010232137", "9990000018"},
			[]string{"9434765918", "0000000000", "123456789", "943476591a"}},
		{"nino", ninoValid,
			[]string{"AB123456C", "JG103759A", "ZR999999D", "CE123456A"},
			[]string{"QQ123456C", "DA123456A", "AO123456A", "GB123456A", "NK123456A", "AB123456E", "AB12345C", "ab123456c", "ZZ123456A"}},
		{"btc base58", btcBase58Valid,
			[]string{"1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"},
			[]string{"1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN0", "2J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", "1111111111111111111111111", ""}},
		{"segwit", segwitValid,
			[]string{"bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0", "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7", "bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs", "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y"},
			[]string{"bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5", "bc1qW508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", "ltc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd", "bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7"}},
		{"eth", ethValid,
			[]string{"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359", "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB", "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb", "0x52908400098527886e0f7030069857d2e4169ee7", "0x8617E340B3D01FA5F11F306F4090FD50E238070D"},
			[]string{"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD", "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beae", "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaeg", "5aaeb6053f3e94c9b9a09f33669435e7ef1beaed00"}},
	}
	for _, c := range cases {
		for _, s := range c.ok {
			if !c.fn(s) {
				t.Errorf("%s(%q) = false, want true", c.name, s)
			}
		}
		for _, s := range c.bad {
			if c.fn(s) {
				t.Errorf("%s(%q) = true, want false", c.name, s)
			}
		}
	}
}
