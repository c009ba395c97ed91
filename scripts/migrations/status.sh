# The migrations applied so far, one line.
echo "$(wc -l < /var/lib/db/applied) applied: $(tr '\n' ' ' < /var/lib/db/applied)"
