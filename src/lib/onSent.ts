/** What `onSent` needs of an SDK command: its own middleware stack (the SDK's `Command`). */
interface WithStack {
  readonly middlewareStack: {
    add(mw: (next: (args: never) => Promise<unknown>) => (args: never) => Promise<unknown>, options: { step: "deserialize"; priority: "low"; name: string }): void;
  };
}

/**
 * Fires `hook` as `command`'s request goes: at the last step before the HTTP
 * handler, after signing, so a call is counted the moment it is sent (the
 * service applies it whether or not its caller lives on). On the command's own
 * stack, so each call carries its own hook.
 */
export function onSent<C extends WithStack>(command: C, hook: (() => void) | undefined): C {
  if (hook) {
    command.middlewareStack.add(
      (next) => async (args) => {
        hook();
        return next(args);
      },
      { step: "deserialize", priority: "low", name: "connectBackfillOnSent" },
    );
  }
  return command;
}
