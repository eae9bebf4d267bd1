#!/bin/sh
# Back up a catalogue whose metadata is on PostgreSQL and whose version files are on S3.
# Usage: backup-s3-postgres.sh DEST   (reads /etc/opendata/opendata.env; needs pg_dump and rclone)
#
# Order matters: the database dump first, the bucket second. Version files are immutable and only fsck removes
# unreferenced ones, so every file the dump references is still in the bucket when it is copied; files of versions
# published in between are copied too and are simply not referenced by this dump.
set -eu
DEST=${1:?usage: $0 DEST}
. /etc/opendata/opendata.env
mkdir -p "$DEST"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)

# 1. The metadata: one consistent snapshot (pg_dump runs in one transaction), custom format for pg_restore.
PGURL=$(printf %s "$OPENDATA_DATABASE_URL" | sed 's/^postgresql+psycopg:/postgresql:/')
pg_dump --format=custom --no-owner --file="$DEST/metadata-$STAMP.dump" "$PGURL"

# 2. The version files: an incremental copy (only new objects travel) to a second bucket or a local folder.
#    rclone reads the S3 settings from the environment; --checksum compares hashes, not times.
export RCLONE_CONFIG_SRC_TYPE=s3 RCLONE_CONFIG_SRC_PROVIDER=Other RCLONE_CONFIG_SRC_ENDPOINT="$OPENDATA_S3_ENDPOINT_URL" \
       RCLONE_CONFIG_SRC_ACCESS_KEY_ID="$AWS_ACCESS_KEY_ID" RCLONE_CONFIG_SRC_SECRET_ACCESS_KEY="$AWS_SECRET_ACCESS_KEY" \
       RCLONE_CONFIG_SRC_REGION="${AWS_REGION:-us-east-1}"
BUCKET_PATH=${OPENDATA_STORAGE_URL#s3://}
rclone copy --checksum --exclude "_tmp/**" "src:$BUCKET_PATH" "$DEST/data"

echo "backup in $DEST: metadata-$STAMP.dump and data/"
