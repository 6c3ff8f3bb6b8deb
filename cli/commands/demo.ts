// `demo`: the scaler end to end on a laptop (cli/demo/run.ts), for `npm run demo`.
import { messageOf } from '../../shared/errors/index.js';
import { EXIT_FAILED, EXIT_OK, noPositionals, parseCommandLine, type Command } from '../command.js';

const HELP = `Usage: aks-queue-scaler demo [--short] [--report FILE]

Runs the scaler end to end on this machine, with nothing to configure: starts a local
kube-apiserver + etcd and Azurite, creates a Deployment at 0 replicas, sends a burst of
messages to a queue, and runs the real evaluation loop on an accelerated clock (one tick per
second = 15 s of scaler time) while simulated consumers drain the queue. A live view shows
each tick (time, queue length, replicas, desired, action, reason code) as it scales up, drains
and returns to 0; then an HTML report with a chart is written. Everything started is stopped
at the end, also on Ctrl-C.

Needs kube-apiserver and etcd: from KUBEBUILDER_ASSETS, or the cache that
scripts/build-control-plane.sh fills, which runs first when they are not there (Go needed;
about 7 minutes on 2 cores, once, with its progress shown). Needs the openssl CLI.

Options:
  --short         a shorter run (60 messages, 30 s cooldown, 5 ticks per second), as in CI
  --report FILE   where the HTML report goes (default: demo-report.html)
  -h, --help      this text

Exit codes: 0 scaled up from 0 and back to 0, 1 it did not (or could not start, or was
interrupted), 2 usage.`;

export const demoCommand: Command = {
  name: 'demo',
  summary: 'watch the scaler scale a local Deployment 0 -> N -> 0 (starts everything it needs)',
  async run(args) {
    const line = parseCommandLine(args, { short: { type: 'boolean' }, report: { type: 'string' } }, HELP, (parsed) =>
      parsed.values.report !== undefined && !parsed.values.report.trim() ? '--report must not be empty' : noPositionals(parsed),
    );
    if (typeof line === 'number') return line;
    const options = line.values;
    const abort = new AbortController();
    // Ctrl-C stops the demo cleanly; while it stops, further Ctrl-Cs are only acknowledged, so
    // that the services it started are never left behind.
    const onSignal = (): void => {
      if (abort.signal.aborted) process.stderr.write('demo: stopping, please wait\n');
      else process.stderr.write('\ndemo: interrupted, stopping everything it started\n');
      abort.abort();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      // Loaded here: the demo pulls in the local services (local/: control plane, identity endpoint), which no other command needs.
      const { runDemo } = await import('../demo/run.js');
      const result = await runDemo({ short: options.short, reportPath: options.report, signal: abort.signal });
      return result.ok ? EXIT_OK : EXIT_FAILED;
    } catch (e) {
      process.stderr.write(`demo: ${messageOf(e)}\n`);
      return EXIT_FAILED;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  },
};
