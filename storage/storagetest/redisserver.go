package storagetest

import (
	"context"
	"net"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// StartRedisServer starts a redis-server of its own for the test (a
// replica, a cluster node) on a free loopback port with args added, in a
// folder of the test, waits until it answers, and returns its address and
// process; it is killed when the test ends. make test installs
// redis-server.
func StartRedisServer(t testing.TB, args ...string) (string, *exec.Cmd) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, port, _ := net.SplitHostPort(addr)
	dir := t.TempDir()
	cmd := exec.Command("redis-server", append([]string{"--port", port, "--bind", "127.0.0.1", "--dir", dir,
		"--save", "", "--appendonly", "no"}, args...)...)
	if err := cmd.Start(); err != nil {
		t.Fatalf("redis-server (make test installs it): %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGCONT) // a test may have stopped it
		cmd.Process.Kill()
		cmd.Wait()
	})
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	for i := 0; c.Ping(context.Background()).Err() != nil; i++ {
		if i > 100 {
			t.Fatalf("redis-server on %s never answered", addr)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return addr, cmd
}
