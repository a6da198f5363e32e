import { propertySuite } from "./suite.js";

propertySuite("log readers hold on hostile input", (t) => t.name.startsWith("logs/") || t.name.startsWith("ingest/"));
