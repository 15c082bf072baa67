#include <CLI/CLI.hpp>
#include <iostream>

int main(int argc, char** argv) {
  CLI::App app{"esekit: verify, dump, back up and restore ESE (esent.dll) files"};
  app.require_subcommand(1);
  CLI11_PARSE(app, argc, argv);
  return 0;
}
