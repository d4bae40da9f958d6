package canonical

import "testing"

func BenchmarkCanonicalizeSmall(b *testing.B) {
	src := []byte(smallDoc)
	b.ReportAllocs()
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if _, err := Canonicalize(src); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCanonicalizeSmallSorted measures the common case of re-hashing a
// document that is already canonical (no reordering needed).
func BenchmarkCanonicalizeSmallSorted(b *testing.B) {
	src, _ := Canonicalize([]byte(smallDoc))
	b.ReportAllocs()
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if _, err := Canonicalize(src); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAppendSmall is the hot-path shape: a caller-owned buffer reused
// across appends.
func BenchmarkAppendSmall(b *testing.B) {
	src := []byte(smallDoc)
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		var err error
		if buf, err = Append(buf[:0], src, Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCanonicalizeRFCSample(b *testing.B) {
	src := []byte(rfcSampleIn)
	b.ReportAllocs()
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if _, err := Canonicalize(src); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendString(b *testing.B) {
	const s = "agent planner-7 called shell.exec with \"ls -la /srv/data\"\nrésumé ✓ 😀"
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		buf = AppendString(buf[:0], s)
	}
}

func BenchmarkAppendFloat(b *testing.B) {
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = AppendFloat(buf[:0], 333333333.33333325)
	}
}

func BenchmarkAppendStringASCII(b *testing.B) {
	const s = "an ordinary value 7 for the tool call, with nothing to escape in it"
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		buf = AppendString(buf[:0], s)
	}
}
