package proxy

import (
	"hash/fnv"
	"slices"
)

// Rendezvous (highest random weight) hashing: every backend scores every
// key, and a key goes to the healthy backend with the highest score. A
// backend that leaves takes away only the keys it held (each moves to its
// own next-best backend), and one that joins takes from each of the others
// only the keys it now scores highest for: about 1/n of them. Unlike a hash
// ring it needs no virtual nodes to spread evenly, and with a handful of
// backends scoring them all per request is cheaper than a ring lookup.

// hashString is FNV-1a of s, 64 bits.
func hashString(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

// mix is the splitmix64 finalizer: a bijection whose every output bit
// depends on every input bit, so that FNV's weak high bits do not bias a
// score.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// score is backend seed's weight for a key hashed to keyHash.
func score(seed, keyHash uint64) uint64 { return mix(seed ^ mix(keyHash)) }

// rank returns the indexes of the seeds ordered by their score for key,
// highest first: the key's preference order over the backends.
func rank(seeds []uint64, key string) []int {
	kh := hashString(key)
	order := make([]int, len(seeds))
	scores := make([]uint64, len(seeds))
	for i, s := range seeds {
		order[i], scores[i] = i, score(s, kh)
	}
	slices.SortFunc(order, func(a, b int) int {
		switch {
		case scores[a] > scores[b]:
			return -1
		case scores[a] < scores[b]:
			return 1
		}
		return a - b // equal scores (never in practice): keep config order
	})
	return order
}
