/**
 * The pause binary: the project's own PID 1 for pod sandboxes, built without a compiler (the CI
 * machines have none) as a hand-assembled static x86-64 Linux ELF of under 250 bytes.
 *
 * Behaviour (the contract of upstream's build/pause/linux/pause.c, done the way tini and
 * catatonit do it, with blocked signals instead of handlers):
 * 1. block SIGINT, SIGTERM and SIGCHLD (`rt_sigprocmask`); blocked signals are queued even for a
 *    namespace's init, which would otherwise silently drop SIGTERM/SIGINT having no handler;
 * 2. loop on `rt_sigtimedwait` for those three;
 * 3. on SIGCHLD, reap every exited child with `wait4(-1, NULL, WNOHANG)` until none is left
 *    (children reparented to the sandbox's PID 1 when the pod shares its PID namespace);
 * 4. on SIGINT or SIGTERM, `exit_group(0)`; SIGKILL kills it as usual.
 *
 * The assembly below is the source; `assemble` resolves the rel8 jumps between labels.
 */

type Part = Uint8Array | { label: string } | { jump: number; to: string };

const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);
const label = (name: string): Part => ({ label: name });
/** A short (rel8) jump: opcode then a signed 8-bit offset to the label. */
const jump = (opcode: number, to: string): Part => ({ jump: opcode, to });

const SYS_RT_SIGPROCMASK = 14;
const SYS_RT_SIGTIMEDWAIT = 128;
const SYS_WAIT4 = 61;
const SYS_EXIT_GROUP = 231;
const SIGINT = 2;
const SIGTERM = 15;
const SIGCHLD = 17;
const MASK = (1 << (SIGINT - 1)) | (1 << (SIGTERM - 1)) | (1 << (SIGCHLD - 1)); // 0x14002

const imm32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];

const program: Part[] = [
  bytes(0x68, ...imm32(MASK)), //             push MASK            ; sigset_t on the stack
  bytes(0x48, 0x89, 0xe6), //                 mov rsi, rsp         ; set
  bytes(0x31, 0xff), //                       xor edi, edi         ; SIG_BLOCK
  bytes(0x31, 0xd2), //                       xor edx, edx         ; oldset = NULL
  bytes(0x41, 0xba, ...imm32(8)), //          mov r10d, 8          ; sigsetsize
  bytes(0xb8, ...imm32(SYS_RT_SIGPROCMASK)), // mov eax, 14
  bytes(0x0f, 0x05), //                       syscall
  label('wait'),
  bytes(0x48, 0x89, 0xe7), //                 mov rdi, rsp         ; set
  bytes(0x31, 0xf6), //                       xor esi, esi         ; info = NULL
  bytes(0x31, 0xd2), //                       xor edx, edx         ; timeout = NULL (forever)
  bytes(0x41, 0xba, ...imm32(8)), //          mov r10d, 8
  bytes(0xb8, ...imm32(SYS_RT_SIGTIMEDWAIT)), // mov eax, 128
  bytes(0x0f, 0x05), //                       syscall              ; eax = signal or -errno
  bytes(0x83, 0xf8, SIGCHLD), //              cmp eax, SIGCHLD
  jump(0x75, 'notchld'), //                   jne notchld
  label('reap'),
  bytes(0x48, 0xc7, 0xc7, ...imm32(-1)), //   mov rdi, -1          ; any child
  bytes(0x31, 0xf6), //                       xor esi, esi         ; status = NULL
  bytes(0xba, ...imm32(1)), //                mov edx, WNOHANG
  bytes(0x45, 0x31, 0xd2), //                 xor r10d, r10d       ; rusage = NULL
  bytes(0xb8, ...imm32(SYS_WAIT4)), //        mov eax, 61
  bytes(0x0f, 0x05), //                       syscall
  bytes(0x48, 0x85, 0xc0), //                 test rax, rax
  jump(0x7f, 'reap'), //                      jg reap              ; reaped one: try again
  jump(0xeb, 'wait'), //                      jmp wait             ; 0 or -ECHILD: none left
  label('notchld'),
  bytes(0x85, 0xc0), //                       test eax, eax
  jump(0x78, 'wait'), //                      js wait              ; -EINTR and friends
  bytes(0x31, 0xff), //                       xor edi, edi         ; SIGINT/SIGTERM: status 0
  bytes(0xb8, ...imm32(SYS_EXIT_GROUP)), //   mov eax, 231
  bytes(0x0f, 0x05), //                       syscall
];

function assemble(parts: readonly Part[]): Uint8Array {
  const size = (p: Part): number => (p instanceof Uint8Array ? p.length : 'label' in p ? 0 : 2);
  const labels = new Map<string, number>();
  let pc = 0;
  for (const p of parts) {
    if (!(p instanceof Uint8Array) && 'label' in p) labels.set(p.label, pc);
    pc += size(p);
  }
  const out: number[] = [];
  for (const p of parts) {
    if (p instanceof Uint8Array) out.push(...p);
    else if ('jump' in p) {
      const target = labels.get(p.to);
      if (target === undefined) throw new Error(`pause: unknown label ${p.to}`);
      const rel = target - (out.length + 2);
      if (rel < -128 || rel > 127) throw new Error(`pause: jump to ${p.to} out of rel8 range`);
      out.push(p.jump, rel & 0xff);
    }
  }
  return Uint8Array.from(out);
}

const BASE = 0x400000;
const EHDR = 64;
const PHDR = 56;

/** pauseBinary returns the bytes of the static ELF pause executable (deterministic). */
export function pauseBinary(): Buffer {
  const code = assemble(program);
  const total = EHDR + PHDR + code.length;
  const b = Buffer.alloc(total, 0);
  // ELF header
  b.set([0x7f, 0x45, 0x4c, 0x46, 2 /* 64-bit */, 1 /* LE */, 1 /* version */, 0 /* SYSV */], 0);
  b.writeUInt16LE(2, 16); // ET_EXEC
  b.writeUInt16LE(0x3e, 18); // EM_X86_64
  b.writeUInt32LE(1, 20); // EV_CURRENT
  b.writeBigUInt64LE(BigInt(BASE + EHDR + PHDR), 24); // e_entry
  b.writeBigUInt64LE(BigInt(EHDR), 32); // e_phoff
  b.writeBigUInt64LE(0n, 40); // e_shoff
  b.writeUInt32LE(0, 48); // e_flags
  b.writeUInt16LE(EHDR, 52); // e_ehsize
  b.writeUInt16LE(PHDR, 54); // e_phentsize
  b.writeUInt16LE(1, 56); // e_phnum
  b.writeUInt16LE(64, 58); // e_shentsize
  b.writeUInt16LE(0, 60); // e_shnum
  b.writeUInt16LE(0, 62); // e_shstrndx
  // Program header: one PT_LOAD, R+X, the whole file at BASE.
  b.writeUInt32LE(1, 64); // PT_LOAD
  b.writeUInt32LE(5, 68); // PF_R | PF_X
  b.writeBigUInt64LE(0n, 72); // p_offset
  b.writeBigUInt64LE(BigInt(BASE), 80); // p_vaddr
  b.writeBigUInt64LE(BigInt(BASE), 88); // p_paddr
  b.writeBigUInt64LE(BigInt(total), 96); // p_filesz
  b.writeBigUInt64LE(BigInt(total), 104); // p_memsz
  b.writeBigUInt64LE(0x1000n, 112); // p_align
  b.set(code, EHDR + PHDR);
  return b;
}
