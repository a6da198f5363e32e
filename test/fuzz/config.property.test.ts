import { isYamlTarget, propertySuite } from "./suite.js";

propertySuite("config and topology parsers hold on hostile input", (t) => !isYamlTarget(t) && !t.name.startsWith("firewall/") && !t.name.startsWith("logs/") && !t.name.startsWith("ingest/"));
