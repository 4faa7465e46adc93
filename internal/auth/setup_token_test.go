package auth

import "testing"

func TestSetupToken(t *testing.T) {
	done := 0
	tok := GenerateSetupToken()
	if len(tok) != 2*setupTokenBytes || tok == GenerateSetupToken() {
		t.Fatalf("generated token %q: want %d hex digits, fresh each time", tok, 2*setupTokenBytes)
	}
	st := NewSetupToken(tok, func() { done++ })
	for _, tc := range []struct {
		presented string
		want      bool
	}{
		{tok, true},
		{"", false},
		{tok[:len(tok)-1], false},
		{tok + "0", false},
		{"x" + tok[1:], false},
	} {
		if got := st.Check(tc.presented); got != tc.want {
			t.Errorf("Check(%q) = %v, want %v", tc.presented, got, tc.want)
		}
	}
	st.Done()
	st.Done()
	if st.Check(tok) || done != 1 {
		t.Fatalf("after Done: Check = %v, onDone ran %d times; want false, once", st.Check(tok), done)
	}
	if NewSetupToken("", nil).Check("") {
		t.Fatal("an empty token matched")
	}
}
