-- A MariaDB history of our own made of the changes whose order matters on MySQL/MariaDB:
-- indexes a foreign key needs (error 1553), keys over TEXT columns (error 1170),
-- AUTO_INCREMENT and its key (error 1075), primary keys other tables reference (errno
-- 150). Each step's models are `mariadb-dump --no-data` of the reference.
-- step: customers keyed by code
CREATE TABLE customers (code VARCHAR(20) NOT NULL, id INT NOT NULL, name VARCHAR(100) NOT NULL, PRIMARY KEY (code));
-- step: customers get a unique id
ALTER TABLE customers ADD UNIQUE KEY customers_id (id);
-- step: orders reference customers by id
CREATE TABLE orders (id INT NOT NULL, customer_id INT NOT NULL, placed DATE NOT NULL, note TEXT, KEY orders_customer (customer_id), CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id));
-- step: orders get a primary key
ALTER TABLE orders ADD PRIMARY KEY (id);
-- step: order ids count themselves
ALTER TABLE orders MODIFY id INT NOT NULL AUTO_INCREMENT;
-- step: the customer index also covers the date
ALTER TABLE orders ADD KEY orders_customer_placed (customer_id, placed);
ALTER TABLE orders DROP KEY orders_customer;
-- step: customers keyed by id
ALTER TABLE customers DROP PRIMARY KEY, ADD PRIMARY KEY (id);
-- step: the id unique key goes
ALTER TABLE customers DROP KEY customers_id;
-- step: customer codes become free text
ALTER TABLE customers MODIFY code TEXT NOT NULL;
-- step: customer ids count themselves
ALTER TABLE customers MODIFY id INT NOT NULL AUTO_INCREMENT;
-- step: products keyed by sku
CREATE TABLE products (sku VARCHAR(40) NOT NULL, title VARCHAR(200) NOT NULL, PRIMARY KEY (sku));
-- step: order lines referencing orders and products
CREATE TABLE order_lines (order_id INT NOT NULL, line INT NOT NULL, sku VARCHAR(40) NOT NULL, qty INT NOT NULL, PRIMARY KEY (order_id, line), KEY order_lines_sku (sku), CONSTRAINT order_lines_order FOREIGN KEY (order_id) REFERENCES orders (id) ON DELETE CASCADE, CONSTRAINT order_lines_product FOREIGN KEY (sku) REFERENCES products (sku));
-- step: the sku index also covers qty
ALTER TABLE order_lines ADD KEY order_lines_sku_qty (sku, qty);
ALTER TABLE order_lines DROP KEY order_lines_sku;
-- step: products get an id key
ALTER TABLE products ADD COLUMN id INT NOT NULL DEFAULT 0;
-- step: product ids unique
ALTER TABLE products ADD UNIQUE KEY products_id (id);
-- step: the order lines key leads with line
ALTER TABLE order_lines ADD KEY order_lines_order_idx (order_id);
ALTER TABLE order_lines DROP PRIMARY KEY, ADD PRIMARY KEY (line, order_id);
-- step: order lines count their lines
ALTER TABLE order_lines MODIFY line INT NOT NULL AUTO_INCREMENT;
-- step: a note index over a prefix
ALTER TABLE orders ADD KEY orders_note (note(50));
-- step: the note index goes
ALTER TABLE orders DROP KEY orders_note;
-- step: shipments keyed by a tracking code
CREATE TABLE shipments (tracking VARCHAR(64) NOT NULL, order_id INT NOT NULL, PRIMARY KEY (tracking), CONSTRAINT shipments_order FOREIGN KEY (order_id) REFERENCES orders (id));
-- step: shipments keyed by an id, tracking becomes text
ALTER TABLE shipments ADD COLUMN id INT NOT NULL DEFAULT 0;
ALTER TABLE shipments DROP PRIMARY KEY, ADD PRIMARY KEY (id);
ALTER TABLE shipments MODIFY tracking TEXT NOT NULL;
-- step: shipment ids count themselves
ALTER TABLE shipments MODIFY id INT NOT NULL AUTO_INCREMENT;
-- step: shipments indexed by order and id
ALTER TABLE shipments ADD KEY shipments_order_id (order_id, id);
-- step: a warehouse table without a key
CREATE TABLE warehouses (id INT NOT NULL, city VARCHAR(50) NOT NULL);
-- step: warehouses keyed and counted at once
ALTER TABLE warehouses MODIFY id INT NOT NULL AUTO_INCREMENT, ADD PRIMARY KEY (id);
-- step: stock references warehouses
CREATE TABLE stock (warehouse_id INT NOT NULL, sku VARCHAR(40) NOT NULL, qty INT NOT NULL DEFAULT 0, PRIMARY KEY (warehouse_id, sku), CONSTRAINT stock_warehouse FOREIGN KEY (warehouse_id) REFERENCES warehouses (id), CONSTRAINT stock_product FOREIGN KEY (sku) REFERENCES products (sku));
-- step: stock keyed by sku first, with an index for the warehouse key
ALTER TABLE stock ADD KEY stock_warehouse_idx (warehouse_id);
ALTER TABLE stock DROP PRIMARY KEY, ADD PRIMARY KEY (sku, warehouse_id);
-- step: warehouses keyed by city and id
ALTER TABLE warehouses ADD UNIQUE KEY warehouses_id (id);
-- step: warehouse cities become longer
ALTER TABLE warehouses MODIFY city VARCHAR(120) NOT NULL;
-- step: order placed dates get times
ALTER TABLE orders MODIFY placed DATETIME NOT NULL;
-- step: drop the shipments
DROP TABLE shipments;
-- step: drop order lines
DROP TABLE order_lines;
