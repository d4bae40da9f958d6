package cedar

import (
	"testing"

	"github.com/agentgov/agentgov/acs"
)

func TestSourceDigest(t *testing.T) {
	digest := func(policies string) string {
		d, ok := prepare(t, inlineSpec(policies)).(acs.SourceDigester)
		if !ok {
			t.Fatal("prepared cedar policies do not report their sources")
		}
		return d.SourceDigest()
	}
	a := digest(`permit(principal, action, resource);`)
	if a != digest(`permit(principal, action, resource);`) {
		t.Fatal("the same policy gave two digests")
	}
	if a == digest(`forbid(principal, action, resource);`) {
		t.Fatal("a changed policy kept its digest")
	}
	if a == digest("permit(principal, action, resource);\npermit(principal, action, resource) when { false };") {
		t.Fatal("an added policy kept the digest")
	}
}
