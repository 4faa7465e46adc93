package postgres

import (
	"context"
	"time"
)

// PutCert stores value under key, replacing what was there.
func (q *queries) PutCert(ctx context.Context, key string, value []byte, at time.Time) error {
	if value == nil {
		value = []byte{}
	}
	_, err := q.db.Exec(ctx, `INSERT INTO certs (key, value, modified_at) VALUES ($1, $2, $3)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, modified_at = excluded.modified_at`,
		key, value, orNow(at))
	return wrap("put cert", err)
}

// CertByKey returns the value under key and when it was stored.
func (q *queries) CertByKey(ctx context.Context, key string) ([]byte, time.Time, error) {
	var value []byte
	var modified time.Time
	err := q.db.QueryRow(ctx, `SELECT value, modified_at FROM certs WHERE key = $1`, key).Scan(&value, &modified)
	if err != nil {
		return nil, time.Time{}, wrap("cert by key", err)
	}
	if value == nil {
		value = []byte{}
	}
	return value, modified.UTC(), nil
}

// DeleteCerts deletes key and every key under it.
func (q *queries) DeleteCerts(ctx context.Context, key string) error {
	tag, err := q.db.Exec(ctx, `DELETE FROM certs
		WHERE key = $1 OR left(key, char_length($1) + 1) = $1 || '/'`, key)
	return mustAffect("delete certs", tag, err)
}

// CertKeys returns the keys under prefix, and prefix itself if it is one.
func (q *queries) CertKeys(ctx context.Context, prefix string) ([]string, error) {
	rows, err := q.db.Query(ctx, `SELECT key FROM certs
		WHERE $1 = '' OR key = $1 OR left(key, char_length($1) + 1) = $1 || '/' ORDER BY key`, prefix)
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
	tag, err := q.db.Exec(ctx, `INSERT INTO cert_locks (name, owner, expires_at) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
		WHERE cert_locks.owner = excluded.owner OR cert_locks.expires_at <= $4`,
		name, owner, stored(expires), stored(now))
	if err != nil {
		return false, wrap("try cert lock", err)
	}
	return tag.RowsAffected() > 0, nil
}

// UnlockCert releases name if owner holds it.
func (q *queries) UnlockCert(ctx context.Context, name, owner string) error {
	tag, err := q.db.Exec(ctx, `DELETE FROM cert_locks WHERE name = $1 AND owner = $2`, name, owner)
	return mustAffect("unlock cert", tag, err)
}
