import { isYamlTarget, propertySuite } from "./suite.js";

propertySuite("YAML parsers hold on hostile input", isYamlTarget);
