// Package deploy_test checks the deployment files in deploy/: the systemd
// unit with systemd-analyze, the compose files' YAML and the configuration
// they give each fechatter container (loaded and validated by the same
// code as the binary's), and the Dockerfile against go.mod and the config.
package deploy_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/fechatter/fechatter/appliance"
)

// TestSystemdUnit: deploy/fechatter.service passes `systemd-analyze
// verify` with no warning (checked in a scratch root holding the system's
// units and a stand-in binary at the ExecStart path), and keeps its
// hardening.
func TestSystemdUnit(t *testing.T) {
	unit, err := os.ReadFile("fechatter.service")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"ExecStart=/usr/local/bin/fechatter serve --data-dir /var/lib/fechatter",
		"DynamicUser=yes", "StateDirectory=fechatter", "ProtectSystem=strict", "NoNewPrivileges=yes",
		"CapabilityBoundingSet=CAP_NET_BIND_SERVICE\n", "AmbientCapabilities=CAP_NET_BIND_SERVICE\n",
	} {
		if !strings.Contains(string(unit), want) {
			t.Errorf("fechatter.service lacks %q", want)
		}
	}
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed here (Debian: systemd): the unit was not verified")
	}
	units := "/lib/systemd/system"
	if _, err := os.Stat(filepath.Join(units, "sysinit.target")); err != nil {
		t.Skipf("no systemd units in %s to verify against: %v", units, err)
	}
	root := t.TempDir()
	for _, dir := range []string{"usr/local/bin", "etc/systemd/system", "usr/lib/systemd"} {
		mustRun(t, "mkdir", "-p", filepath.Join(root, dir))
	}
	mustRun(t, "cp", "-r", units, filepath.Join(root, "usr/lib/systemd/system"))
	if err := os.WriteFile(filepath.Join(root, "usr/local/bin/fechatter"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "etc/systemd/system/fechatter.service"), unit, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", "--man=no", "--root="+root, "/etc/systemd/system/fechatter.service").CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
}

func mustRun(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}

// composeFile is the part of a compose file these tests read.
type composeFile struct {
	Services map[string]struct {
		Build       any               `yaml:"build"`
		Image       string            `yaml:"image"`
		Command     []string          `yaml:"command"`
		Environment map[string]string `yaml:"environment"`
		Volumes     []string          `yaml:"volumes"`
		DependsOn   any               `yaml:"depends_on"`
	} `yaml:"services"`
	Volumes map[string]any `yaml:"volumes"`
}

// variable is a compose interpolation, ${NAME} or ${NAME:?message}.
var variable = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(?::\?[^}]*)?\}`)

// composeVars stands in for what an operator's .env sets.
var composeVars = map[string]string{
	"POSTGRES_PASSWORD":        "pg-password",
	"MEILI_MASTER_KEY":         "a master key of 16 bytes or more",
	"FECHATTER_JWT_SECRET":     "a signing key shared by the nodes, 32 bytes or more",
	"FECHATTER_ROUTE_PASSWORD": "route-password",
	"FECHATTER_SETUP_TOKEN":    "setup-token-of-the-cluster",
}

// TestComposeFiles: every compose file parses; each service built from
// this repository gets a configuration that `fechatter serve` (or
// `fechatter gateway`) loads and accepts; its build context holds the
// Dockerfile; every named volume and dependency it uses is declared.
func TestComposeFiles(t *testing.T) {
	files, err := filepath.Glob("compose/*.yaml")
	if err != nil || len(files) < 4 {
		t.Fatalf("compose files: %v %v", files, err)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var cf composeFile
			if err := yaml.Unmarshal(data, &cf); err != nil {
				t.Fatalf("parse: %v", err)
			}
			ours := 0
			for name, svc := range cf.Services {
				for _, v := range svc.Volumes {
					src, _, _ := strings.Cut(v, ":")
					if !strings.HasPrefix(src, ".") && !strings.HasPrefix(src, "/") && cf.Volumes[src] == nil {
						if _, ok := cf.Volumes[src]; !ok {
							t.Errorf("%s: volume %q is not declared", name, src)
						}
					}
				}
				for _, dep := range dependencies(svc.DependsOn) {
					if _, ok := cf.Services[dep]; !ok {
						t.Errorf("%s depends on %q, which is no service", name, dep)
					}
				}
				if svc.Image != "fechatter:local" {
					continue
				}
				ours++
				if ctx, ok := svc.Build.(string); ok {
					if _, err := os.Stat(filepath.Join(filepath.Dir(path), ctx, "Dockerfile")); err != nil {
						t.Errorf("%s: build context %s: %v", name, ctx, err)
					}
				}
				checkConfig(t, name, svc.Environment, slices.Equal(svc.Command, []string{"gateway"}))
			}
			if ours == 0 {
				t.Error("no service runs fechatter")
			}
		})
	}
}

// dependencies lists depends_on in its short (list) or long (map) form.
func dependencies(v any) []string {
	var out []string
	switch d := v.(type) {
	case []any:
		for _, s := range d {
			out = append(out, s.(string))
		}
	case map[string]any:
		for s := range d {
			out = append(out, s)
		}
	}
	return out
}

// checkConfig loads a container's environment, with the image's own
// (the Dockerfile's ENV), as the binary would.
func checkConfig(t *testing.T, name string, env map[string]string, gateway bool) {
	t.Helper()
	list := dockerfileEnv(t)
	for k, v := range env {
		v = variable.ReplaceAllStringFunc(v, func(m string) string {
			val, ok := composeVars[variable.FindStringSubmatch(m)[1]]
			if !ok {
				t.Errorf("%s: %s uses %s, which the test does not know", name, k, m)
			}
			return val
		})
		list = append(list, k+"="+v)
	}
	if _, err := appliance.Load(appliance.LoadOptions{Env: list, Gateway: gateway}); err != nil {
		t.Errorf("%s: its configuration is refused: %v", name, err)
	}
}

// dockerfileEnv is the ENV of the Dockerfile's final stage.
func dockerfileEnv(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(data), "\\\n", " ")
	var env []string
	for _, line := range strings.Split(text, "\n") {
		if rest, ok := strings.CutPrefix(line, "ENV "); ok {
			env = append(env, strings.Fields(rest)...)
		}
	}
	return env
}

// TestDockerfile: the build stage's Go is the one go.mod asks for, the
// image's ENV loads as configuration, the data dir is the user's.
func TestDockerfile(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	mod, err := os.ReadFile(filepath.Join("..", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	goVersion := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(mod)
	if goVersion == nil || !strings.Contains(string(data), "FROM golang:"+string(goVersion[1])+" ") {
		t.Errorf("the Dockerfile's build stage is not golang:%s (go.mod)", goVersion[1])
	}
	env := dockerfileEnv(t)
	if len(env) == 0 {
		t.Fatal("no ENV in the Dockerfile")
	}
	if _, err := appliance.Load(appliance.LoadOptions{Env: env}); err != nil {
		t.Errorf("the image's ENV is refused: %v", err)
	}
	for _, want := range []string{"USER nonroot:nonroot", "--chown=65532:65532 /out/data /data", "VOLUME /data", "CGO_ENABLED=0"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("the Dockerfile lacks %q", want)
		}
	}
}
