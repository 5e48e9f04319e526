# The image `mtrec export argo` runs: mtrec and the project, at /project.
# Build: docker build -t mtrec:0.5 .   (not built here: this machine has no container engine)
FROM swift:6.2-noble AS build
RUN apt-get update -qq && apt-get install -y -qq libopenblas-dev libsqlite3-dev pkg-config
WORKDIR /src
COPY Package.swift ./
COPY Sources Sources
COPY Tests Tests
RUN swift build -c release --static-swift-stdlib --product mtrec

FROM ubuntu:24.04
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends libopenblas0 libsqlite3-0 ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/.build/release/mtrec /usr/local/bin/mtrec
WORKDIR /project
COPY pipelines pipelines
COPY stages stages
COPY data data
ENTRYPOINT ["mtrec"]
