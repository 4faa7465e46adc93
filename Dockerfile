# syntax=docker/dockerfile:1
# Fechatter: a static binary on distroless, running as nonroot (uid 65532).
#   docker build --build-arg VERSION=$(git describe --tags --always) -t fechatter .
#   docker run -p 8080:8080 -v fechatter-data:/data fechatter

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG COMMIT=unknown
ARG DATE=unknown
RUN CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X main.version=${VERSION} -X main.commit=${COMMIT} -X main.date=${DATE}" \
      -o /out/fechatter ./cmd/fechatter \
 && mkdir -p -m 0700 /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/fechatter /fechatter
# The data dir belongs to nonroot, mode 0700 (COPY keeps the mode), so that a new
# volume mounted there is writable by fechatter and readable by no one else.
COPY --from=build --chown=65532:65532 /out/data /data
ENV FECHATTER_DATA_DIR=/data \
    FECHATTER_SERVER__LISTEN=:8080 \
    FECHATTER_LOG__FORMAT=json
# config.yaml, if any, is read from the working directory: put it in the volume.
WORKDIR /data
VOLUME /data
# 80 and 443 serve ACME challenges and HTTPS when tls.domains is set.
EXPOSE 8080 80 443
USER nonroot:nonroot
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["/fechatter", "healthcheck"]
ENTRYPOINT ["/fechatter"]
CMD ["serve"]
