#!/usr/bin/env python3
"""Parses INI files with the real Python parsers and prints what they read, as JSON.

configparser: ConfigParser(strict=False, interpolation=None) with optionxform=str, as
paste.deploy sets it; values as configparser returns them. oslo: oslo_config.iniparser.BaseParser
(only when python3-oslo.config is installed). Used by stacklint's INI parser tests as the oracle.
Usage: ini_oracle.py configparser|oslo FILE...
"""
import configparser
import json
import sys


def read_configparser(path):
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as handle:
            parser.read_file(handle)
    except configparser.Error as error:
        return {"error": type(error).__name__}
    sections = {"DEFAULT": dict(parser.defaults())} if parser.defaults() else {}
    for name in parser.sections():
        sections[name] = {key: parser._sections[name][key] for key in parser._sections[name]}
    return {"sections": sections}


def read_oslo(path):
    from oslo_config import iniparser

    class Collector(iniparser.BaseParser):
        def __init__(self):
            self.sections = {}
            self.current = None

        def new_section(self, section):
            name = section if section == "DEFAULT" else section.lower()
            self.current = self.sections.setdefault(name, {})

        def assignment(self, key, value):
            self.current.setdefault(key, []).append("\n".join(value))

        def parse_exc(self, msg, lineno, line=None):
            return iniparser.ParseError(msg, lineno, line)

    collector = Collector()
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as handle:
            collector.parse(handle)
    except (iniparser.ParseError, AttributeError, TypeError) as error:
        return {"error": type(error).__name__}
    return {"sections": collector.sections}


def main():
    mode, files = sys.argv[1], sys.argv[2:]
    reader = read_configparser if mode == "configparser" else read_oslo
    print(json.dumps({path: reader(path) for path in files}, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
