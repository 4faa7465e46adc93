// Package testproc is test and benchmark support: it builds the fechatter
// binary and runs it as a child process the way the black-box suites
// (test/blackbox, test/search, test/realtime) and the load generator
// (cmd/fechatter-bench --spawn) need it.
//
//   - Build compiles ./cmd/fechatter once per source state into a shared,
//     locked cache directory, so the packages of one `go test ./...` run
//     (separate processes) link it once; Binary does it once per process.
//   - Server is one `fechatter serve` on a loopback port with a data dir:
//     launch, wait for /readyz 200 (one deadline, ReadyDeadline, that a
//     Server may override), SIGTERM, SIGKILL, restart, log tail. On Linux
//     the kernel kills the child if its parent dies first (Pdeathsig).
//   - New ties a Server to a test: temp dirs, and a cleanup that kills what
//     still runs and logs the last lines of its output when the test failed.
//   - Eventually polls a condition until it holds or a deadline passes, in
//     place of sleeping.
//
// Nothing here is imported by the server itself; it is a normal package
// (not a _test file) only so that the load generator can use it.
package testproc
