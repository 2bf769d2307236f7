#!/usr/bin/env bash
# Makes the upgrade test's fixture (test/upgrade/fixture/) from an older commit of Rabita: builds that commit in a
# temporary git worktree, lets it create a workspace on a scratch database of the machine's PostgreSQL (`rabita
# demo` at a small size, then one `rabita start` that signs in and opens a second account), records what that
# version answers (test/upgrade/capture-answers.ts), and dumps the schema and data as compressed SQL.
#
#   scripts/make-upgrade-fixture.sh <commit>            (PGHOST, PGPORT, PGUSER as for psql; default 127.0.0.1:5432 postgres)
#
# Needs git, pg_dump and psql (Debian's PostgreSQL client, any version able to dump the server). The test that uses
# the fixture needs neither: it loads the SQL through the `pg` driver.
set -euo pipefail

commit=${1:?usage: scripts/make-upgrade-fixture.sh <commit>}
root=$(cd "$(dirname "$0")/.." && pwd)
sha=$(git -C "$root" rev-parse --short=7 "$commit^{commit}")
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
export PATH="$root/node_modules/.bin:$PATH" # the pinned Node 24
out="$root/test/upgrade/fixture"
work=$(mktemp -d /tmp/rabita-fixture-XXXXXX)
tree="$work/tree"
db="rabita_fixture_$sha"
server=""

cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  psql -qAt -d postgres -c "drop database if exists $db with (force)" >/dev/null 2>&1 || true
  git -C "$root" worktree remove --force "$tree" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "building $sha in $tree"
git -C "$root" worktree add --detach "$tree" "$sha" >/dev/null
# The old tree runs on this checkout's installed packages, except its own workspace packages (@rabita/*), which
# must be the old tree's: node_modules/@rabita links into packages/ and apps/ relative to where it sits.
mkdir "$tree/node_modules" "$tree/node_modules/@rabita"
for entry in "$root"/node_modules/* "$root"/node_modules/.bin; do
  name=$(basename "$entry")
  [ "$name" = "@rabita" ] || ln -s "$entry" "$tree/node_modules/$name"
done
for link in "$root"/node_modules/@rabita/*; do
  ln -s "$(readlink "$link")" "$tree/node_modules/@rabita/$(basename "$link")"
done
# The fixture needs the API, not the web app: a placeholder page spares the old version its first-start build.
mkdir -p "$tree/apps/web/dist" && echo '<!doctype html><title>Rabita</title>' >"$tree/apps/web/dist/index.html"

psql -qAt -d postgres -c "drop database if exists $db with (force)" -c "create database $db" >/dev/null
url="postgres://$PGUSER@$PGHOST:$PGPORT/$db"

echo "rabita demo (small) at $sha"
(cd "$tree" && DATABASE_URL="$url" LOG_LEVEL=warn node --import "$root/test/upgrade/small-demo.ts" \
  apps/cli/src/main.ts demo --size S --seed 20261122)

port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
(cd "$tree" && exec env DATABASE_URL="$url" PORT="$port" RABITA_DATA="$work/data" RABITA_OPEN_SIGNUP=true \
  LOG_LEVEL=warn node apps/cli/src/main.ts start) &
server=$!
for _ in $(seq 1 300); do
  curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break
  kill -0 "$server" 2>/dev/null || { echo "the old version did not start" >&2; exit 1; }
  sleep 0.2
done
node "$root/test/upgrade/capture-answers.ts" "http://127.0.0.1:$port" "$work/answers.json"
kill -TERM "$server" && wait "$server" || true
server=""

mkdir -p "$out"
{
  echo "-- Rabita upgrade fixture: the schema and data of a workspace made by commit $sha"
  echo "-- ($(git -C "$root" log -1 --date=short --format='%ad %s' "$sha" | cut -c1-150))"
  echo "-- Regenerate with scripts/make-upgrade-fixture.sh $sha. Load with test/upgrade/load-fixture.ts."
  echo "-- The cluster-wide part pg_dump leaves out: the application role, as that version's first migration made it."
  echo "do \$\$ begin"
  echo "  if not exists (select from pg_roles where rolname = 'rabita_app') then"
  echo "    create role rabita_app nologin nosuperuser nobypassrls;"
  echo "  end if;"
  echo "  if not pg_has_role(current_user, 'rabita_app', 'member') then"
  echo "    execute format('grant rabita_app to %I', current_user);"
  echo "  end if;"
  echo "end \$\$;"
  pg_dump --no-owner --no-comments -d "$db"
} | gzip -9n >"$out/previous.sql.gz"
cp "$work/answers.json" "$out/previous.answers.json"
echo "$sha" >"$out/previous.commit"
ls -l "$out"
