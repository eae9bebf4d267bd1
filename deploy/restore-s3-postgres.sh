#!/bin/sh
# Restore a catalogue backed up by backup-s3-postgres.sh: metadata into PostgreSQL, version files into the bucket.
#
# Usage: restore-s3-postgres.sh SRC [DUMP]
#   SRC    a folder written by backup-s3-postgres.sh (metadata-*.dump files and data/)
#   DUMP   the dump to restore (default: the newest SRC/metadata-*.dump; any of them works with SRC/data, which
#          only ever grows)
#
# Settings: always read from the file $OPENDATA_ENV_FILE (default /etc/opendata/opendata.env), as for the backup;
# what that file sets wins over the environment. The restore goes where that file points:
#   - the database named by OPENDATA_DATABASE_URL, which must exist and be empty (createdb -O opendata NAME);
#   - the bucket prefix named by OPENDATA_STORAGE_URL (objects are copied in; extra objects are removed by fsck);
#   - OPENDATA_HOME, this node's home, where 'opendata init' and 'opendata fsck' run at the end. A home records
#     the database and storage it was made with (HOME/metadata.url, HOME/storage.url): restoring into another
#     database or bucket prefix needs a new home, or that file removed, on every node (the script refuses otherwise).
# Stop the web and worker services on every node first; start them again after this script succeeds.
# Needs: pg_restore and psql (of the server's major version), rclone and opendata on PATH, s3-postgres-common.sh
# next to this script.
# Exit status: 0 restored and fsck found every version's file with its sha256; 1 otherwise; 2 a usage mistake.
# Tested by tests/test_deploy_backup.py (real PostgreSQL, real S3-protocol server).
set -eu
if [ $# -lt 1 ] || [ $# -gt 2 ] || [ -z "$1" ]; then
    echo "usage: ${0##*/} SRC [DUMP]" >&2
    exit 2
fi
SRC=$1
# shellcheck source=s3-postgres-common.sh
. "$(dirname "$0")/s3-postgres-common.sh"
load_settings
need pg_restore psql rclone opendata

# Check everything before changing anything.
[ -d "$SRC/data" ] || die "$SRC/data not found: SRC must be a folder written by backup-s3-postgres.sh"
if [ $# -eq 2 ]; then
    DUMP=$2
else
    DUMP=$(find "$SRC" -maxdepth 1 -name 'metadata-*.dump' | sort | tail -n 1)
fi
[ -n "$DUMP" ] || die "no metadata dump in $SRC (metadata-*.dump): nothing to restore"
[ -f "$DUMP" ] || die "$DUMP not found: give one of the metadata-*.dump files in $SRC"
[ -n "${OPENDATA_HOME:-}" ] || die "OPENDATA_HOME is not set in $ENV_FILE: fsck runs in this node's home"
if [ -f "$OPENDATA_HOME/metadata.url" ] && [ "$(cat "$OPENDATA_HOME/metadata.url")" != "$OPENDATA_DATABASE_URL" ]; then
    die "the home $OPENDATA_HOME was made with another database ($OPENDATA_HOME/metadata.url), not the one in $ENV_FILE: remove that file (the home keeps only caches) on every node, or set OPENDATA_HOME to a new folder, then run again"
fi
if [ -f "$OPENDATA_HOME/storage.url" ] && [ "$(cat "$OPENDATA_HOME/storage.url")" != "$OPENDATA_STORAGE_URL" ]; then
    die "the home $OPENDATA_HOME was made with another storage ($OPENDATA_HOME/storage.url), not the one in $ENV_FILE: remove that file (the home keeps only caches) on every node, or set OPENDATA_HOME to a new folder, then run again"
fi
TABLES=$(psql -X -q -t -A -v ON_ERROR_STOP=1 --dbname="$PGURL" \
    -c "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')") ||
    die "cannot connect to the database of OPENDATA_DATABASE_URL (see above): create it first (createdb -O opendata NAME)"
[ "$TABLES" = 0 ] ||
    die "the database of OPENDATA_DATABASE_URL already has $TABLES tables: restore into a new, empty database (dropdb NAME && createdb -O opendata NAME)"

# 1. The metadata, in one transaction: all of it or nothing.
echo "1/3 pg_restore of $DUMP"
pg_restore --no-owner --no-acl --exit-on-error --single-transaction --dbname="$PGURL" "$DUMP" ||
    die "pg_restore failed (see above): the database is unchanged"

# 2. The version files back into the bucket prefix (only missing or different objects travel).
echo "2/3 copy of $SRC/data into s3://$BUCKET_PATH"
rclone copy --checksum "$SRC/data" "opendata:$BUCKET_PATH" ||
    die "copying into the bucket failed (see above): run the copy again (rclone copy --checksum $SRC/data opendata:$BUCKET_PATH), then opendata fsck"

# 3. This node's home (folders, migrations if this release is newer than the dump), then every version checked:
#    its object present with its sha256. Objects no version refers to (published after the dump) are removed.
echo "3/3 opendata fsck"
opendata init >/dev/null || die "opendata init failed (see above)"
opendata fsck || die "fsck found versions without their file (listed above): the backup is incomplete"
echo "restored $DUMP and $SRC/data: start the services again"
