# Applies each migration of /migrations/*.sql not yet listed in /var/lib/db/applied.
set -e
for f in /migrations/*.sql; do
    grep -qx "$(basename "$f")" /var/lib/db/applied || { basename "$f" >> /var/lib/db/applied; echo "applied $f"; }
done
