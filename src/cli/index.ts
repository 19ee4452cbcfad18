/**
 * The `hvwb` command line: headless runs, benchmarks and the workbench launcher. Every failure a
 * user can cause ends with one message and a non-zero status, never a stack trace.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, numberFlag } from './args';
import { CliError, processOutput, type Output } from './output';
import { deterministicFlags } from './deterministic';
import { parseExpect, parseGdb, runLayout, snapshotFlags } from './run';
import { ImageError } from '../core/machine/elf';
import { LayoutError } from '../shared/validate/layout';
import { HostFileError } from '../host/layout-loader';

const USAGE = `usage: hvwb <command> [options]

commands:
  run <layout> [--expect ZONE:TEXT]... [--timeout SECONDS] [--quiet] [--tier interp] [--gdb ZONE=PORT]...
      run a layout headless; stream each zone's console prefixed with its name; exit 0 once
      every expected text was seen (or the guest powered off cleanly). CPUs (aarch64, riscv64)
      translate hot code to WebAssembly; --tier interp keeps them on the interpreter. --gdb serves
      a zone (name or id) to gdb on 127.0.0.1:PORT (0: a free port) and prints the gdb command line.
      --restore FILE continues a saved snapshot of the layout instead of booting it; --snapshot FILE
      with --snapshot-on ZONE:TEXT saves one once the zone printed TEXT
  snapshot save [file.hvsnap] | snapshot info <file.hvsnap>
      save the running workbench's or headless run's machine; show what a snapshot file is of
  run <layout> --deterministic | --record FILE | --replay FILE
      deterministic mode (also "deterministic": true in layout.json): time follows retired
      instructions, the CPUs take turns, console input lands at recorded instruction counts, so
      two runs print the same; --record writes the run's input to FILE, --replay FILE reruns it
  bench mips [--runs N] [--arch riscv64|aarch64] [--no-qemu] [--tier interp]
      run the instruction-rate benchmark guest on one hart to its power-off and print "MIPS ours <n>";
      with QEMU installed, run the same ELF in QEMU too and print "MIPS qemu <n>" and "ratio <ours/qemu>"
  bench linux-boot [--runs N] [--arch riscv64|aarch64|loongarch64] [--cpus N] [--no-qemu | --qemu-only] [--tier interp] [--console DIR]
      boot Debian's kernel + initramfs on one hart to the init's first line (loongarch64: to the
      kernel's "Run /init as init process"); with QEMU installed, boot the same images in QEMU too
      and print "ratio <ours/qemu>"; --console DIR saves each run's console (hvwb-N.log, qemu-N.log)
      with the host seconds at which every line began, to compare where the two boots spend their time
  ui [layout] [--port N]
      open the workbench in browser mode on a layout (default: the demo layout)
  dts <layout> <zone> | dts --board <board> [root]
      print the device tree source the workbench generates for a zone (name, id or root), or for a
      whole board (as QEMU gives it to firmware) or its root zone
  validate <layout>
      check the layout's zone configs against the board and each other; exit 1 on any error
  zone start <config.json> | zone shutdown -id <id> | zone list
      hvisor-tool's zone commands against the running workbench or headless run
  disk list | disk changes <zone> <addr> | disk sync <zone> <addr> [--yes]
      host folders attached as virtio-blk disks: show what the guest changed, write it back on request
  virtio start <virtio_cfg.json>
      serve the file's virtio devices to the zones of the running workbench (hvisor-tool's daemon)
  help
      show this text
`;

export function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    if (path.basename(dir) === 'out' || path.basename(dir) === 'src') return path.dirname(dir);
    dir = path.dirname(dir);
  }
  return process.cwd();
}

/** Asks on the terminal; without one (CI, pipes) the answer is no. */
async function askYesNo(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

/**
 * --tier interp|wasm: which execution tier the vCPU threads use (they read HVWB_TIER when they start;
 * the translation tiers are core/isa/aarch64/tier.ts and core/isa/riscv64/tier.ts).
 */
function applyTier(args: ReturnType<typeof parseArgs>): void {
  const tier = args.flags.get('tier')?.at(-1);
  if (tier === undefined) return;
  if (tier !== 'interp' && tier !== 'wasm') throw new CliError(`--tier takes interp or wasm, not '${tier}'`);
  process.env.HVWB_TIER = tier;
}

export async function main(argv: readonly string[], out: Output = processOutput): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'run': {
        const args = parseArgs(rest, ['expect', 'timeout', 'tier', 'gdb', 'record', 'replay', 'restore', 'snapshot', 'snapshot-on'], ['quiet', 'deterministic']);
        if (args.positional.length !== 1) throw new CliError('run takes exactly one layout folder');
        applyTier(args);
        const result = await runLayout(
          {
            layout: args.positional[0]!,
            expect: (args.flags.get('expect') ?? []).map(parseExpect),
            timeoutSeconds: numberFlag(args, 'timeout', 60),
            quiet: args.flags.has('quiet'),
            gdb: (args.flags.get('gdb') ?? []).map(parseGdb),
            ...deterministicFlags(args),
            ...snapshotFlags(args),
          },
          out,
        );
        return result.code;
      }
      case 'bench': {
        const args = parseArgs(rest, ['runs', 'arch', 'tier', 'cpus', 'console'], ['no-qemu', 'qemu-only']);
        applyTier(args);
        const { runBench } = await import('./bench');
        return await runBench(args.positional[0], numberFlag(args, 'runs', 1), out, {
          arch: args.flags.get('arch')?.at(-1),
          ...(args.flags.has('cpus') ? { cpus: numberFlag(args, 'cpus', 1) } : {}),
          ...(args.flags.has('no-qemu') ? { qemu: false } : {}),
          ...(args.flags.has('qemu-only') ? { ours: false } : {}),
          ...(args.flags.has('console') ? { consoleDir: args.flags.get('console')!.at(-1)! } : {}),
        });
      }
      case 'ui': {
        const args = parseArgs(rest, ['port'], []);
        const { runUi } = await import('./ui');
        const layout = args.positional[0] ?? path.join(repoRoot(), 'examples/riscv64-hello');
        return await runUi(layout, numberFlag(args, 'port', 0), out);
      }
      case 'validate': {
        if (rest.length !== 1) throw new CliError('validate takes exactly one layout folder');
        const { runValidate } = await import('./validate');
        return await runValidate(rest[0]!, out);
      }
      case 'dts': {
        if (rest[0] === '--board') {
          if (rest.length < 2 || rest.length > 3) throw new CliError('dts --board takes a board name and optionally root');
          const { runBoardDts } = await import('./dts');
          return runBoardDts(rest[1]!, rest[2], out);
        }
        if (rest.length !== 2) throw new CliError('dts takes a layout folder and a zone (name, id, or root)');
        const { runDts } = await import('./dts');
        return await runDts(rest[0]!, rest[1]!, out);
      }
      case 'zone': {
        const { runZone } = await import('./zone');
        return await runZone(rest, out);
      }
      case 'disk': {
        const { runDisk } = await import('./zone');
        return await runDisk(rest, out, askYesNo);
      }
      case 'snapshot': {
        const { runSnapshot } = await import('./snapshot');
        return await runSnapshot(rest, out);
      }
      case 'virtio': {
        const { runVirtio } = await import('./zone');
        return await runVirtio(rest, out);
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        out.stdout(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new CliError(`unknown command "${command}"\n${USAGE}`);
    }
  } catch (error) {
    if (error instanceof CliError || error instanceof LayoutError || error instanceof ImageError || error instanceof HostFileError) {
      out.stderr(`hvwb: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}
