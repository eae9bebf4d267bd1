# Shared by backup-s3-postgres.sh and restore-s3-postgres.sh (sourced, not run): the settings rule, the checks
# and the rclone remote, written once so that backup and restore read the same settings the same way.
#
# The settings rule: the environment file is ALWAYS read, and what it sets wins over the environment (what it
# does not set keeps its value from the environment).
#   OPENDATA_ENV_FILE   the file to read (default /etc/opendata/opendata.env, the file the systemd units read)
# It is read as shell assignments (KEY=value lines, as systemd's EnvironmentFile uses; quote values with spaces)
# and every variable it sets is exported to the tools the scripts run (pg_dump, rclone, opendata).

die() {
    printf '%s: %s\n' "${0##*/}" "$*" >&2
    exit 1
}

# Read the settings file (see the rule above) and check the settings both scripts need.
load_settings() {
    ENV_FILE=${OPENDATA_ENV_FILE:-/etc/opendata/opendata.env}
    if [ ! -f "$ENV_FILE" ] || [ ! -r "$ENV_FILE" ]; then
        die "cannot read the settings file $ENV_FILE: set OPENDATA_ENV_FILE to the catalogue's environment file"
    fi
    set -a
    # shellcheck disable=SC1090
    . "$ENV_FILE"
    set +a
    [ -n "${OPENDATA_DATABASE_URL:-}" ] ||
        die "OPENDATA_DATABASE_URL is not set in $ENV_FILE: this script is for metadata on PostgreSQL"
    case $OPENDATA_DATABASE_URL in
        postgresql:* | postgresql+*) ;;
        *) die "OPENDATA_DATABASE_URL in $ENV_FILE is not a postgresql:// URL (SQLite homes: use 'opendata backup')" ;;
    esac
    case ${OPENDATA_STORAGE_URL:-} in
        s3://?*) ;;
        *) die "OPENDATA_STORAGE_URL in $ENV_FILE is not an s3://bucket/prefix URL (local files: use 'opendata backup')" ;;
    esac
    # These two are for the scripts that source this file.
    # shellcheck disable=SC2034
    # libpq (pg_dump, pg_restore, psql) takes the SQLAlchemy URL without its driver: postgresql+psycopg:// -> postgresql://
    PGURL=$(printf %s "$OPENDATA_DATABASE_URL" | sed 's/^postgresql+[A-Za-z0-9_]*:/postgresql:/')
    # The bucket and prefix, as rclone names them on the remote "opendata:" (bucket/prefix, no trailing slash).
    BUCKET_PATH=${OPENDATA_STORAGE_URL#s3://}
    BUCKET_PATH=${BUCKET_PATH%/}
    rclone_remote
}

# The remote "opendata:" for rclone, from the catalogue's own S3 settings (no rclone.conf needed). The bucket must
# exist (as for the catalogue): rclone is told not to create it.
rclone_remote() {
    export RCLONE_CONFIG_OPENDATA_TYPE=s3 RCLONE_CONFIG_OPENDATA_NO_CHECK_BUCKET=true \
           RCLONE_CONFIG_OPENDATA_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-}" \
           RCLONE_CONFIG_OPENDATA_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-}" \
           RCLONE_CONFIG_OPENDATA_REGION="${AWS_REGION:-us-east-1}"
    if [ -n "${OPENDATA_S3_ENDPOINT_URL:-}" ]; then
        export RCLONE_CONFIG_OPENDATA_PROVIDER=Other RCLONE_CONFIG_OPENDATA_ENDPOINT="$OPENDATA_S3_ENDPOINT_URL"
    else
        export RCLONE_CONFIG_OPENDATA_PROVIDER=AWS
    fi
    [ -n "${AWS_ACCESS_KEY_ID:-}" ] || export RCLONE_CONFIG_OPENDATA_ENV_AUTH=true  # an instance role, say
}

# Fail before doing anything when a tool is missing.
need() {
    for tool in "$@"; do
        command -v "$tool" >/dev/null 2>&1 ||
            die "$tool not found on PATH: install it (pg_dump, pg_restore, psql: Debian's postgresql-client of the server's major version; rclone: the rclone package) or add its folder to PATH"
    done
}
