#!/bin/sh
# The object store of docker-compose.yml: SeaweedFS (`weed server`) with its S3 gateway on
# port 8333, one identity whose keys come from the environment, and the app's bucket
# created on first start. Every stored file of the app lives here, so web and worker
# containers on several hosts need no shared disk.
set -eu
: "${STORAGE_S3_ACCESS_KEY_ID:?set STORAGE_S3_ACCESS_KEY_ID}"
: "${STORAGE_S3_SECRET_ACCESS_KEY:?set STORAGE_S3_SECRET_ACCESS_KEY}"
: "${STORAGE_S3_BUCKET:?set STORAGE_S3_BUCKET}"
umask 077
cat > /tmp/s3.json <<JSON
{"identities": [{"name": "inclusion-pool",
  "credentials": [{"accessKey": "${STORAGE_S3_ACCESS_KEY_ID}", "secretKey": "${STORAGE_S3_SECRET_ACCESS_KEY}"}],
  "actions": ["Read", "Write", "List", "Tagging", "Admin"]}]}
JSON
weed server -dir=/data -ip=objectstore -ip.bind=0.0.0.0 -volume.max=0 -master.telemetry=false \
    -s3 -s3.port=8333 -s3.config=/tmp/s3.json &
weed_pid=$!
trap 'kill -TERM "$weed_pid"; wait "$weed_pid"' TERM INT
until echo "s3.bucket.list" | weed shell -master=localhost:9333 >/dev/null 2>&1; do sleep 2; done
echo "s3.bucket.create -name ${STORAGE_S3_BUCKET}" | weed shell -master=localhost:9333 || true
wait "$weed_pid"
