import { propertySuite } from "./suite.js";

propertySuite("firewall parsers hold on hostile input", (t) => t.name.startsWith("firewall/"));
