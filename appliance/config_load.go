package appliance

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"
)

// EnvPrefix starts every environment variable that configures Fechatter.
const EnvPrefix = "FECHATTER_"

// DefaultConfigFile is read when no file is named and it exists in the
// working directory.
const DefaultConfigFile = "config.yaml"

// configFileEnv names a config file when LoadOptions.ConfigFile is empty.
const configFileEnv = EnvPrefix + "CONFIG"

// Size caps on files that Load reads.
const (
	maxConfigFile = 1 << 20
	maxSecretFile = 64 << 10
)

// LoadOptions says where Load looks.
type LoadOptions struct {
	// ConfigFile is the YAML file to read. When empty, FECHATTER_CONFIG (from
	// Env) names it, else ./config.yaml is read if it exists.
	ConfigFile string
	// Flags holds the flags added by AddFlags; only flags that were set
	// count. It may be nil.
	Flags *pflag.FlagSet
	// Env is the environment, as os.Environ returns it.
	Env []string
	// Gateway checks the result with ValidateGateway, for `fechatter
	// gateway`, instead of Validate.
	Gateway bool
}

// flagKeys maps command-line flags to the keys they set.
var flagKeys = []struct{ flag, key, usage string }{
	{"data-dir", "data_dir", "directory for the database, keys and files (default ./data)"},
	{"listen", "server.listen", "host:port to serve HTTP on (default :8080)"},
	{"database-url", "database.url", "postgres:// URL (default: SQLite in the data dir)"},
}

// AddFlags adds --config, --data-dir, --listen and --database-url to fs.
func AddFlags(fs *pflag.FlagSet) {
	fs.String("config", "", "YAML config file (default ./config.yaml when present)")
	for _, f := range flagKeys {
		fs.String(f.flag, "", f.usage)
	}
}

// Load builds the configuration from, lowest precedence first: Default(),
// the YAML file, FECHATTER_* environment variables (nested keys joined by
// "__", e.g. FECHATTER_SERVER__LISTEN; empty values are ignored) and flags.
// A secret may instead be read from the file its *_file key names (e.g.
// FECHATTER_AUTH__JWT_SECRET_FILE); the content is trimmed. Unknown keys in
// the file are an error; so is a key of a section this version does not
// build (see unavailable), in the file or the environment, and a result
// that fails Validate.
func Load(opts LoadOptions) (Config, error) {
	path := opts.ConfigFile
	if path == "" {
		path = lookupEnv(opts.Env, configFileEnv)
	}
	data, name, err := readConfigFile(path)
	if err != nil {
		return Config{}, err
	}
	return load(data, name, opts)
}

// load is Load after the file has been read (data may be empty).
func load(data []byte, name string, opts LoadOptions) (Config, error) {
	if err := checkFileKeys(data, name); err != nil {
		return Config{}, err
	}
	v := viper.New()
	v.SetConfigType("yaml")
	walkValue(reflect.ValueOf(Default()), "", func(key string, val reflect.Value) {
		v.SetDefault(key, val.Interface())
	})
	if len(bytes.TrimSpace(data)) > 0 {
		if err := v.ReadConfig(bytes.NewReader(data)); err != nil {
			return Config{}, fmt.Errorf("parse %s: %w", name, err)
		}
	}
	if err := applyEnv(v, opts.Env); err != nil {
		return Config{}, err
	}
	applyFlags(v, opts.Flags)
	var cfg Config
	if err := v.Unmarshal(&cfg, decoderConfig); err != nil {
		return Config{}, fmt.Errorf("invalid configuration: %w", fieldErrors(err))
	}
	cfg.normalize()
	if err := cfg.resolveSecretFiles(); err != nil {
		return Config{}, fmt.Errorf("read secret files: %w", err)
	}
	validate := cfg.Validate
	if opts.Gateway {
		validate = cfg.ValidateGateway
	}
	if err := validate(); err != nil {
		return Config{}, fmt.Errorf("invalid configuration: %w", err)
	}
	return cfg, nil
}

// readConfigFile reads path, or DefaultConfigFile when path is empty and
// that file exists; it returns no data when there is no file to read.
func readConfigFile(path string) ([]byte, string, error) {
	optional := path == ""
	if optional {
		path = DefaultConfigFile
	}
	data, err := readCapped(path, maxConfigFile)
	if optional && errors.Is(err, fs.ErrNotExist) {
		return nil, "defaults", nil
	}
	if err != nil {
		return nil, path, fmt.Errorf("read config file: %w", err)
	}
	return data, path, nil
}

// readCapped reads a regular file of at most limit bytes.
func readCapped(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, limit)
	}
	return data, nil
}

// lookupEnv returns the value of name in env (the last one wins).
func lookupEnv(env []string, name string) string {
	val := ""
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && k == name {
			val = v
		}
	}
	return val
}

// applyEnv sets every known FECHATTER_* variable of env in v. A variable
// that spells a known key wrongly (FECHATTER_SERVER_LISTEN), or that sets
// a key of a section this version does not build (FECHATTER_BOT__MODEL),
// is an error rather than silently ignored; other FECHATTER_* names are
// left alone.
func applyEnv(v *viper.Viper, env []string) error {
	var errs []error
	for _, kv := range env {
		name, val, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(strings.ToUpper(name), EnvPrefix) {
			continue
		}
		rest := name[len(EnvPrefix):]
		key := strings.ToLower(strings.ReplaceAll(rest, "__", "."))
		switch {
		case configKeys.isLeaf[key]:
			if val != "" {
				v.Set(key, val)
			}
		case val != "" && unavailableEnv(rest) != "":
			errs = append(errs, fmt.Errorf("environment variable %s: %s", name, unavailableEnv(rest)))
		case configKeys.squashed[squash(rest)] != "":
			want := EnvName(configKeys.squashed[squash(rest)])
			errs = append(errs, fmt.Errorf("environment variable %s: unknown, did you mean %s?", name, want))
		}
	}
	return errors.Join(errs...)
}

// applyFlags sets the keys of the flags in fs that were given.
func applyFlags(v *viper.Viper, fs *pflag.FlagSet) {
	if fs == nil {
		return
	}
	for _, fk := range flagKeys {
		if f := fs.Lookup(fk.flag); f != nil && f.Changed {
			v.Set(fk.key, f.Value.String())
		}
	}
}

// decoderConfig makes viper decode by yaml tags without guessing types
// (data_dir: true is an error, not "1"); strings, as environment variables
// and flags carry them, are parsed into durations, numbers, booleans and
// comma-separated lists.
func decoderConfig(dc *mapstructure.DecoderConfig) {
	dc.TagName = "yaml"
	dc.ErrorUnused = true
	dc.WeaklyTypedInput = false
	dc.DecodeHook = mapstructure.ComposeDecodeHookFunc(
		durationHook,
		listHook,
		scalarHook,
	)
}

// durationHook parses "15s"-style strings; a bare number other than 0 is
// refused because its unit would be a guess.
func durationHook(from, to reflect.Type, data any) (any, error) {
	if to != durationType || from == durationType {
		return data, nil
	}
	switch from.Kind() {
	case reflect.String:
		s := strings.TrimSpace(data.(string))
		if s == "" {
			return time.Duration(0), nil
		}
		d, err := time.ParseDuration(s)
		if err != nil {
			return nil, fmt.Errorf("%q is not a duration like 15s, 10m or 2h", data)
		}
		return d, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		if reflect.ValueOf(data).IsZero() {
			return time.Duration(0), nil
		}
		return nil, fmt.Errorf("%v needs a unit, like 15s, 10m or 2h", data)
	}
	return data, nil
}

// listHook turns "a, b,c" into [a b c] (environment variables carry lists so).
func listHook(from, to reflect.Type, data any) (any, error) {
	if from.Kind() != reflect.String || to.Kind() != reflect.Slice {
		return data, nil
	}
	var out []string
	for _, p := range strings.Split(data.(string), ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out, nil
}

// scalarHook parses whole numbers and booleans given as strings.
func scalarHook(from, to reflect.Type, data any) (any, error) {
	if from.Kind() != reflect.String {
		return data, nil
	}
	s := strings.TrimSpace(data.(string))
	switch to.Kind() {
	case reflect.Int64:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a whole number", data)
		}
		return n, nil
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return nil, fmt.Errorf("%q is not true or false", data)
		}
		return b, nil
	}
	return data, nil
}

// normalize makes empty lists nil so that equal configurations compare equal.
func (c *Config) normalize() {
	for _, s := range []*[]string{&c.Server.TrustedProxies, &c.Server.AllowCIDRs, &c.Server.DenyCIDRs, &c.Cluster.Routes, &c.TLS.Domains, &c.Gateway.Backends, &c.Outbound.AllowCIDRs} {
		if len(*s) == 0 {
			*s = nil
		}
	}
}

// resolveSecretFiles reads each secret whose *_file key is set.
func (c *Config) resolveSecretFiles() error {
	var errs []error
	for _, s := range c.secrets() {
		if *s.file == "" {
			continue
		}
		if *s.value != "" {
			errs = append(errs, &FieldError{Key: s.fileKey, Reason: fmt.Sprintf("set either %s or %s, not both", s.key, s.fileKey)})
			continue
		}
		data, err := readCapped(*s.file, maxSecretFile)
		if err != nil {
			errs = append(errs, &FieldError{Key: s.fileKey, Reason: err.Error()})
			continue
		}
		if *s.value = strings.TrimSpace(string(data)); *s.value == "" {
			errs = append(errs, &FieldError{Key: s.fileKey, Reason: *s.file + " is empty"})
		}
	}
	return errors.Join(errs...)
}
