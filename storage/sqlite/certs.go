package sqlite

import (
	"context"
	"time"
)

// PutCert stores value under key, replacing what was there.
func (q *queries) PutCert(ctx context.Context, key string, value []byte, at time.Time) error {
	if value == nil {
		value = []byte{}
	}
	return q.atomic(ctx, func(q *queries) error {
		_, err := q.w.ExecContext(ctx, `INSERT INTO certs (key, value, modified_at) VALUES (?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, modified_at = excluded.modified_at`,
			key, value, micros(orNow(at)))
		return wrap("put cert", err)
	})
}

// CertByKey returns the value under key and when it was stored.
func (q *queries) CertByKey(ctx context.Context, key string) ([]byte, time.Time, error) {
	var value []byte
	var modified int64
	err := q.r.QueryRowContext(ctx, `SELECT value, modified_at FROM certs WHERE key = ?`, key).Scan(&value, &modified)
	if err != nil {
		return nil, time.Time{}, wrap("cert by key", err)
	}
	if value == nil {
		value = []byte{}
	}
	return value, fromMicros(modified), nil
}

// DeleteCerts deletes key and every key under it.
func (q *queries) DeleteCerts(ctx context.Context, key string) error {
	return q.atomic(ctx, func(q *queries) error {
		res, err := q.w.ExecContext(ctx, `DELETE FROM certs
			WHERE key = ?1 OR substr(key, 1, length(?1) + 1) = ?1 || '/'`, key)
		return mustAffect("delete certs", res, err)
	})
}

// CertKeys returns the keys under prefix, and prefix itself if it is one.
func (q *queries) CertKeys(ctx context.Context, prefix string) ([]string, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT key FROM certs
		WHERE ?1 = '' OR key = ?1 OR substr(key, 1, length(?1) + 1) = ?1 || '/' ORDER BY key`, prefix)
	if err != nil {
		return nil, wrap("cert keys", err)
	}
	defer rows.Close()
	keys := []string{}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, wrap("cert keys", err)
		}
		keys = append(keys, k)
	}
	return keys, wrap("cert keys", rows.Err())
}

// TryCertLock takes name for owner when it is free, expired or owner's.
func (q *queries) TryCertLock(ctx context.Context, name, owner string, now, expires time.Time) (bool, error) {
	var taken bool
	err := q.atomic(ctx, func(q *queries) error {
		res, err := q.w.ExecContext(ctx, `INSERT INTO cert_locks (name, owner, expires_at) VALUES (?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
			WHERE cert_locks.owner = excluded.owner OR cert_locks.expires_at <= ?`,
			name, owner, micros(expires), micros(now))
		if err != nil {
			return wrap("try cert lock", err)
		}
		n, err := res.RowsAffected()
		taken = n > 0
		return wrap("try cert lock", err)
	})
	return taken, err
}

// UnlockCert releases name if owner holds it.
func (q *queries) UnlockCert(ctx context.Context, name, owner string) error {
	return q.atomic(ctx, func(q *queries) error {
		res, err := q.w.ExecContext(ctx, `DELETE FROM cert_locks WHERE name = ? AND owner = ?`, name, owner)
		return mustAffect("unlock cert", res, err)
	})
}
