package storage

// Census is what a backup records of a database and a restore checks
// again: the schema version (the newest migration applied) and the number
// of rows of every table.
type Census struct {
	// SchemaVersion is the newest migration applied; 0 for an empty database.
	SchemaVersion int
	// Rows maps each table of the schema to its row count.
	Rows map[string]int64
}
