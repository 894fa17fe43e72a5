// `npm run demo`: exits 0 only if every expected outcome happened.
import { runDemo } from "./demo.js";

process.exitCode = (await runDemo()) ? 0 : 1;
