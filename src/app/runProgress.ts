// What the progress line reads of a run, without loading what runs one (the CLI's first keystroke stays light).
export { expectedRows, type RunProgress } from "../domain/run/state.js";
