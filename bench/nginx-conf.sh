# Sourced by bench/run.sh and bench/ab.sh: the one nginx configuration both compare cachegate with.
# nginx_conf DIR ERROR_LOG UPSTREAM_PORT PORT:ZONE:VALIDITY... prints a configuration for nginx run as
# the current user with -p DIR: 2 workers, sendfile, access log off, gzip on for application/json (the
# upstream sends identity, so nginx compresses per request), and one server per PORT:ZONE:VALIDITY, each
# with its own proxy_cache zone whose 200s stay valid for VALIDITY.
nginx_conf() {
  local dir=$1 error_log=$2 upstream=$3 user="" spec port zone valid
  shift 3
  [[ $EUID -eq 0 ]] && user="user $(id -un) $(id -gn);"
  cat <<CONF
$user
worker_processes 2;
daemon off;
pid $dir/nginx.pid;
error_log $error_log warn;
events { worker_connections 4096; }
http {
  access_log off;
  default_type application/octet-stream;
  sendfile on;
  tcp_nopush off;
  tcp_nodelay on;
  client_body_temp_path $dir/client_body;
  proxy_temp_path $dir/proxy_temp;
  fastcgi_temp_path $dir/fastcgi_temp;
  uwsgi_temp_path $dir/uwsgi_temp;
  scgi_temp_path $dir/scgi_temp;
  gzip on;
  gzip_types application/json;
  gzip_proxied any;
  gzip_vary on;
  upstream universities { server 127.0.0.1:$upstream; keepalive 32; }
CONF
  for spec in "$@"; do
    IFS=: read -r port zone valid <<<"$spec"
    cat <<CONF
  proxy_cache_path $dir/$zone levels=1:2 keys_zone=$zone:10m max_size=1g inactive=1h use_temp_path=off;
  server {
    listen 127.0.0.1:$port;
    location = /universities {
      proxy_pass http://universities/search\$is_args\$args;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_cache $zone;
      proxy_cache_key \$uri\$is_args\$args;
      proxy_cache_valid 200 $valid;
      proxy_cache_lock on;
      proxy_cache_use_stale updating;
      proxy_cache_background_update on;
      add_header X-Cache-Status \$upstream_cache_status always;
    }
  }
CONF
  done
  echo "}"
}
