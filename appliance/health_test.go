package appliance

import "testing"

func TestReadyURL(t *testing.T) {
	for _, tc := range []struct{ listen, want string }{
		{":8080", "http://127.0.0.1:8080/readyz"},
		{"0.0.0.0:8080", "http://127.0.0.1:8080/readyz"},
		{"[::]:9000", "http://[::1]:9000/readyz"},
		{"127.0.0.1:1234", "http://127.0.0.1:1234/readyz"},
		{"[::1]:1234", "http://[::1]:1234/readyz"},
		{"chat.internal:80", "http://chat.internal:80/readyz"},
	} {
		if got := ReadyURL(tc.listen); got != tc.want {
			t.Errorf("ReadyURL(%q) = %q, want %q", tc.listen, got, tc.want)
		}
	}
}
