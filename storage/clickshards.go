package storage

import (
	"bytes"
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// The click stream can be split into shards, so that in a Redis Cluster
// each shard is a stream on a slot of its own and the shards can sit on
// different nodes: a tracker spreads its batches over the shards, the
// reconciler drains every shard with the same consumer group, trimming
// and dead-letter rules as the single stream.
//
// Shard 0 is the stream a single Redis has always used ("clicks"); shard
// i > 0 is "clicks:{i-k}". The braces are a Redis Cluster hash tag: the
// slot is the hash of "i-k" alone, whatever the key prefix, and a shard's
// dead letters ("clicks:{i-k}:dead") share it. k is the first number that
// puts shard i on the slot nearest a spread target (1/2 of the slot
// space, then 1/4, 3/4, 1/8, 3/8...), so consecutive shards fall on
// different primaries of a cluster whose slots are split evenly, as
// redis-cli --cluster create splits them (an operator moves a slot
// elsewhere with the usual resharding). Every process computes the same
// names.
//
// Shards are registered, never forgotten: a tracker adds the names of
// the shards it writes to the set clickShardSet before its first click to
// any of them, and the reconciler drains every registered shard (and
// shard 0). So the shard count can grow (trackers restarted with a
// higher PARTNERKA_CLICK_SHARDS write to new shards only once they are
// registered) or shrink (a shard no tracker writes to any more is still
// drained to the end) without a click lost; and since a click goes to
// exactly one shard, and a redelivered one is skipped by its id when
// stored, none is counted twice.
const clickShardSet = "clicks:shards"

// MaxClickShards bounds PARTNERKA_CLICK_SHARDS.
const MaxClickShards = 1024

// ClickShard returns the stream name (before the key prefix) of shard i.
func ClickShard(i int) string {
	if i == 0 {
		return ClickStream
	}
	shardNamesOnce.Do(func() { shardNames = make([]string, MaxClickShards) })
	shardNamesMu.Lock()
	defer shardNamesMu.Unlock()
	if shardNames[i] == "" {
		shardNames[i] = ClickStream + ":{" + shardTag(i) + "}"
	}
	return shardNames[i]
}

var (
	shardNamesOnce sync.Once
	shardNamesMu   sync.Mutex
	shardNames     []string // by shard, computed once
)

// shardTag finds shard i's hash tag: "i-k" for the first k whose slot is
// within 8 of the target (about 1,000 tries).
func shardTag(i int) string {
	// The target: i's bits reversed as a fraction (1 -> 1/2, 2 -> 1/4,
	// 3 -> 3/4, 4 -> 1/8, ...) of the 16384 slots.
	target, half := 0, 16384/2
	for b := i; b > 0 && half > 0; b >>= 1 {
		if b&1 == 1 {
			target += half
		}
		half /= 2
	}
	base := []byte(strconv.Itoa(i) + "-")
	for k := 0; ; k++ {
		tag := strconv.AppendInt(base, int64(k), 10)
		if d := int(KeySlot(tag)) - target; d >= -8 && d <= 8 {
			return string(tag)
		}
	}
}

// KeySlot is the Redis Cluster slot of a key (or of its hash tag's
// content): CRC16 (XMODEM) modulo 16384.
func KeySlot(key []byte) uint16 {
	if open := bytes.IndexByte(key, '{'); open >= 0 {
		if n := bytes.IndexByte(key[open+1:], '}'); n > 0 {
			key = key[open+1 : open+1+n]
		}
	}
	var crc uint16
	for _, b := range key {
		crc ^= uint16(b) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc % 16384
}

// clickShardIndex is ClickShard's inverse; false for a name that is no
// shard's.
func clickShardIndex(name string) (int, bool) {
	if name == ClickStream {
		return 0, true
	}
	s, ok := strings.CutPrefix(name, ClickStream+":{")
	if !ok {
		return 0, false
	}
	s, _, ok = strings.Cut(s, "-")
	i, err := strconv.Atoi(s)
	if !ok || err != nil || i <= 0 || i >= MaxClickShards || ClickShard(i) != name {
		return 0, false
	}
	return i, true
}

// RegisterClickShards records that shards 0..n-1 are written to, so the
// reconciler drains them; it returns their stream names (before the key
// prefix). A tracker calls it before writing to any shard but 0.
func (r *Redis) RegisterClickShards(ctx context.Context, n int) ([]string, error) {
	names := make([]string, n)
	members := make([]any, n)
	for i := range n {
		names[i] = ClickShard(i)
		members[i] = names[i]
	}
	if n > 1 {
		if err := r.SAdd(ctx, r.Key(clickShardSet), members...).Err(); err != nil {
			return nil, err
		}
	}
	return names, nil
}

// ClickShards returns the stream names (before the key prefix) of every
// shard ever registered, and shard 0, in shard order.
func (r *Redis) ClickShards(ctx context.Context) ([]string, error) {
	members, err := r.SMembers(ctx, r.Key(clickShardSet)).Result()
	if err != nil {
		return nil, err
	}
	idx := []int{0}
	for _, m := range members {
		if i, ok := clickShardIndex(m); ok && i > 0 {
			idx = append(idx, i)
		}
	}
	slices.SortFunc(idx, cmp.Compare)
	idx = slices.Compact(idx)
	out := make([]string, len(idx))
	for k, i := range idx {
		out[k] = ClickShard(i)
	}
	return out, nil
}
