#!/bin/sh
# Back up a catalogue whose metadata is on PostgreSQL and whose version files are on S3.
#
# Usage: backup-s3-postgres.sh DEST
#   Writes DEST/metadata-<UTC time>.dump (pg_dump, custom format) and copies the bucket prefix into DEST/data/.
#   Repeated runs into the same DEST add a dump and copy only new objects. Restore: restore-s3-postgres.sh DEST.
#
# Settings: always read from the file $OPENDATA_ENV_FILE (default /etc/opendata/opendata.env, the file the
# systemd units read); what that file sets wins over the environment. It must set OPENDATA_DATABASE_URL
# (postgresql+psycopg://...) and OPENDATA_STORAGE_URL (s3://bucket/prefix), with OPENDATA_S3_ENDPOINT_URL and
# AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_REGION as the catalogue uses them.
# Needs: pg_dump (of the server's major version) and rclone on PATH, s3-postgres-common.sh next to this script.
#
# Order matters: the database dump first, the bucket second. Version files are immutable and only fsck removes
# unreferenced ones, so every file the dump references is still in the bucket when it is copied; files of versions
# published in between are copied too and are simply not referenced by this dump (fsck removes them after a
# restore). Do not run 'opendata fsck' at the same time as a backup.
# Tested by tests/test_deploy_backup.py (real PostgreSQL, real S3-protocol server).
set -eu
if [ $# -ne 1 ] || [ -z "$1" ]; then
    echo "usage: ${0##*/} DEST" >&2
    exit 2
fi
DEST=$1
# shellcheck source=s3-postgres-common.sh
. "$(dirname "$0")/s3-postgres-common.sh"
load_settings
need pg_dump rclone
mkdir -p "$DEST" || die "cannot create the backup folder $DEST"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
DUMP="$DEST/metadata-$STAMP.dump"

# 1. The metadata: one consistent snapshot (pg_dump runs in one transaction), custom format for pg_restore.
#    Written under a temporary name, so that a dump that fails half-way is never taken for a backup.
echo "1/2 pg_dump of the metadata into $DUMP"
pg_dump --format=custom --no-owner --file="$DUMP.part" "$PGURL" ||
    { rm -f "$DUMP.part"; die "pg_dump failed (see above): no backup written"; }
mv "$DUMP.part" "$DUMP"

# 2. The version files: an incremental copy (only new objects travel) into DEST/data, keyed as in the bucket.
#    --checksum compares hashes, not times; _tmp/ holds uploads in progress, never referenced by a version.
echo "2/2 copy of s3://$BUCKET_PATH into $DEST/data"
rclone copy --checksum --exclude "_tmp/**" "opendata:$BUCKET_PATH" "$DEST/data" ||
    die "copying the bucket failed (see above): $DUMP is written but DEST/data is incomplete; run the backup again"

echo "backup in $DEST: metadata-$STAMP.dump and data/"
