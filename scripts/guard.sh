# The guard of `npm start` (scripts/supervisor.ts). Reads "<stage> <signal> <seconds> <pgid>"
# lines on stdin, one per process group the supervisor runs; "forget <pgid>" when that group's
# leader has exited (its id may be reused by an unrelated process: the machine's pid_max can be
# 32768); "done" means the supervisor has stopped them all, so the guard exits. If stdin closes
# without it, the supervisor died without stopping anything (SIGKILL leaves it no say): the guard
# stops the groups stage by stage as the supervisor would have — the polite signal, up to that
# many seconds to exit, then SIGKILL.
lines=
while IFS= read -r line; do
  case $line in
    done) exit 0 ;;
    "forget "*)
      gone=${line#forget }
      kept=
      while read -r order signal seconds pgid; do
        [ -n "$pgid" ] && [ "$pgid" != "$gone" ] && kept="$kept$order $signal $seconds $pgid
"
      done <<LINES
$lines
LINES
      lines=$kept
      ;;
    *) lines="$lines$line
" ;;
  esac
done

# Whether any of these groups still runs. A leader that has exited stays a zombie until init
# reaps it (its parent, the supervisor, is gone), which can take seconds: that counts as gone.
alive() {
  for g in "$@"; do
    kill -s 0 -- "-$g" 2>/dev/null || continue
    if [ -r "/proc/$g/stat" ] && read -r stat <"/proc/$g/stat"; then
      case $stat in *") Z "*) continue ;; esac
    fi
    return 0
  done
  return 1
}

for stage in 0 1 2; do
  groups=
  tries=0
  while read -r order signal seconds pgid; do
    [ "$order" = "$stage" ] || continue
    kill -s "$signal" -- "-$pgid" 2>/dev/null && groups="$groups $pgid" && tries=$((seconds * 5))
  done <<LINES
$lines
LINES
  while [ "$tries" -gt 0 ] && alive $groups; do
    sleep 0.2
    tries=$((tries - 1))
  done
  for g in $groups; do
    kill -s 0 -- "-$g" 2>/dev/null && kill -s KILL -- "-$g" 2>/dev/null
  done
done
exit 0
