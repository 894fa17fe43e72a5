// `npm run example`
import { runQuickstart } from "./run-quickstart.js";

await runQuickstart();
