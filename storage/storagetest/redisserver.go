package storagetest

import (
	"context"
	"net"
	"os/exec"
	"strings"
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
		"--save", "", "--appendonly", "no", "--repl-diskless-sync-delay", "0"}, args...)...)
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

// ClusterNode is one redis-server of a cluster StartRedisCluster started.
type ClusterNode struct {
	Addr string
	Cmd  *exec.Cmd
}

// StartRedisCluster starts a Redis Cluster of three primaries with a
// replica each (six redis-server processes in cluster mode on free
// loopback ports, joined by redis-cli --cluster create) with args added
// to each node, waits until every node sees all slots served, and returns
// its redis+cluster:// URL and its nodes. It stops when the test ends.
func StartRedisCluster(t testing.TB, args ...string) (string, []ClusterNode) {
	t.Helper()
	var nodes []ClusterNode
	var addrs []string
	for range 6 {
		addr, cmd := StartRedisServer(t, append([]string{"--cluster-enabled", "yes",
			"--cluster-config-file", t.TempDir() + "/nodes.conf"}, args...)...)
		nodes = append(nodes, ClusterNode{Addr: addr, Cmd: cmd})
		addrs = append(addrs, addr)
	}
	create := append([]string{"--cluster", "create"}, addrs...)
	create = append(create, "--cluster-replicas", "1", "--cluster-yes")
	if out, err := exec.Command("redis-cli", create...).CombinedOutput(); err != nil {
		t.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	for _, a := range addrs {
		WaitClusterOK(t, a, 20*time.Second)
	}
	// And every primary's replica attached and in sync (cluster_state:ok
	// comes before): a failover needs one.
	deadline := time.Now().Add(30 * time.Second) // elapsed: how long to wait
	for _, a := range addrs {
		c := redis.NewClient(&redis.Options{Addr: a})
		for {
			info, _ := c.Info(context.Background(), "replication").Result()
			if strings.Contains(info, "role:master") && strings.Contains(info, "connected_slaves:1") ||
				strings.Contains(info, "role:slave") && strings.Contains(info, "master_link_status:up") {
				break
			}
			if time.Now().After(deadline) { // elapsed: past the wait
				t.Fatalf("node %s: replicas never attached:\n%s", a, info)
			}
			time.Sleep(50 * time.Millisecond)
		}
		c.Close()
	}
	return "redis+cluster://" + addrs[0] + "?addr=" + addrs[1] + "&addr=" + addrs[2], nodes
}

// WaitClusterOK waits until the node at addr sees the whole cluster ok
// (every slot's owner known and up: a node that does not yet answers
// CLUSTERDOWN), failing the test after d.
func WaitClusterOK(t testing.TB, addr string, d time.Duration) {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	deadline := time.Now().Add(d) // elapsed: how long to wait
	for {
		info, _ := c.ClusterInfo(context.Background()).Result()
		if strings.Contains(info, "cluster_state:ok") && strings.Contains(info, "cluster_slots_ok:16384") {
			return
		}
		if time.Now().After(deadline) { // elapsed: past the wait
			t.Fatalf("node %s never saw the cluster ok within %s:\n%s", addr, d, info)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
